/// How far a follower's records have been delivered, and (once committed) made durable by the consumer.
///
/// Files in ``finished`` were read to their end; ``current`` says where reading of the file being read resumes:
/// at ``Cursor/resume`` (the last complete line consumed, or the first fragment of a partial line still being
/// joined), skipping records completed by physical lines up to ``Cursor/lastDeliveredLine``. Every other file
/// in the directory is read from its start. This is what a checkpoint file stores.
public struct TailPosition: Sendable, Hashable, Codable {
    /// The reading position inside one file.
    public struct Cursor: Sendable, Hashable, Codable {
        public var file: LogFileIdentity
        /// The file's name when the position was taken (for messages; the identity is what counts).
        public var name: String
        public var resume: CRIParser.ResumePoint
        /// The physical line number that completed the last delivered record (0: none yet).
        public var lastDeliveredLine: Int64
        /// The newest rotation suffix of this container restart seen in the directory (`20240101-120000`): if the
        /// file is gone after a restart, it is the first rotation after this one, possibly compressed.
        public var latestRotation: String?
    }

    /// A file read to its end, and its size then (a later file that reuses the inode has another size, or grows).
    public struct Finished: Sendable, Hashable, Codable {
        public var file: LogFileIdentity
        public var size: Int64
    }

    public var current: Cursor?
    public var finished: [Finished]
    /// Increases with every batch of a follower; a commit older than the last one is ignored.
    public var sequence: UInt64
    /// The consumer's own state, committed atomically with the position (for example the number of chunks or
    /// output bytes that the committed records make up), so that after a crash it can discard output it wrote
    /// but did not commit. Read it back from ``LogFollower/resumedFrom``.
    public var annotations: [String: String]

    public init(
        current: Cursor? = nil, finished: [Finished] = [], sequence: UInt64 = 0,
        annotations: [String: String] = [:]
    ) {
        self.current = current
        self.finished = finished
        self.sequence = sequence
        self.annotations = annotations
    }
}
