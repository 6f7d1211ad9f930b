/// An object store for log chunks, indexes and completion markers.
///
/// Keys are `/`-separated relative paths (e.g. `ns/run/step/container/chunk-000000000000.zst`); the backend adds its
/// own root or prefix. Implementations: ``DirectoryLogStore`` (local mode) and ``S3LogStore``.
public protocol LogStore: Sendable {
    /// Stores `data` under `key`, replacing any object there.
    ///
    /// - Returns: ``PutOutcome/stored`` or, for a backend with a spool, ``PutOutcome/spooled`` when the object is
    ///   safely on local disk and will be uploaded in order once the backend is reachable again.
    @discardableResult
    func put(_ key: String, _ data: [UInt8]) async throws -> PutOutcome

    /// The object under `key` (or the bytes of `range` in it, clamped to its size), or nil if there is none.
    func get(_ key: String, range: Range<Int>?) async throws -> [UInt8]?

    /// Every object whose key starts with `prefix`, in lexical key order.
    func list(prefix: String) async throws -> [StoredObject]

    /// Removes the object under `key`; removing a missing object is not an error.
    func delete(_ key: String) async throws
}

extension LogStore {
    /// The whole object under `key`, or nil if there is none.
    public func get(_ key: String) async throws -> [UInt8]? {
        try await get(key, range: nil)
    }
}

/// How a put was accepted.
public enum PutOutcome: Sendable, Hashable {
    /// The object is in the store.
    case stored
    /// The store is unreachable; the object is in the on-disk spool and will be uploaded in order.
    case spooled
}

/// An object listed by ``LogStore/list(prefix:)``.
public struct StoredObject: Sendable, Hashable {
    public var key: String
    public var size: Int

    public init(key: String, size: Int) {
        self.key = key
        self.size = size
    }
}

/// Checks a store key: non-empty `/`-separated components, none `.` or `..`, no NUL.
func validateStoreKey(_ key: String, method: String) throws(LogStoreError) {
    if key.isEmpty || key.hasPrefix("/") || key.contains("\0") {
        throw LogStoreError.invalidKey("\(method) '\(key)': keys are non-empty relative paths")
    }
    for component in key.split(separator: "/", omittingEmptySubsequences: false) {
        if component.isEmpty || component == "." || component == ".." {
            throw LogStoreError.invalidKey("\(method) '\(key)': empty, '.' or '..' path component")
        }
    }
}
