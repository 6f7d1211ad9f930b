#if canImport(Glibc)
import Glibc
#endif

/// A streaming parser of CRI log files (`<RFC3339Nano> <stdout|stderr> <P|F> <text>` lines, as kubelet and
/// containerd write them).
///
/// Feed it bytes in any pieces (a line may be split across reads); it calls back with one ``Entry`` per logical
/// line: partial (`P`) fragments are joined per stream until their final (`F`) fragment. A line that does not
/// parse is never dropped and never fatal: it becomes a record whose text is the raw line, on `stdout`, with the
/// previous line's timestamp, and ``malformedLines`` counts it.
///
/// Positions make resuming exact. ``offset``/``lineNumber`` count the bytes and physical lines consumed (complete,
/// newline-terminated lines only). ``resumePoint`` is where a new parser must start to rebuild the same state
/// (the first fragment of the oldest unfinished partial line, or ``offset``); started there with
/// `skipThroughLine` set to the physical line number of the last entry already delivered, it emits exactly the
/// entries not yet delivered.
public struct CRIParser: Sendable {
    /// One logical line and where it ended in the file.
    public struct Entry: Sendable, Hashable {
        /// The record; `text` holds the joined fragments.
        public var record: LogRecord
        /// The 1-based physical line number of the line that completed this record (its `F` fragment).
        public var lineNumber: Int64
        /// The file offset just past that line's newline.
        public var endOffset: Int64
        /// True when the line did not parse and `record.text` is the raw line.
        public var isMalformed: Bool
    }

    /// Where a parser must start to resume: a byte offset and the number of physical lines before it.
    public struct ResumePoint: Sendable, Hashable, Codable {
        public var offset: Int64
        public var lineNumber: Int64
        public init(offset: Int64, lineNumber: Int64) {
            self.offset = offset
            self.lineNumber = lineNumber
        }
    }

    struct Partial: Sendable {
        var text: [UInt8]
        var timestamp: Int64
        var start: ResumePoint
    }

    /// Bytes consumed: the offset just past the last complete line.
    public private(set) var offset: Int64
    /// Physical lines consumed.
    public private(set) var lineNumber: Int64
    /// Lines that did not parse (kept as raw records).
    public private(set) var malformedLines: Int = 0
    /// Entries completed by lines up to this physical line number are not emitted (already delivered).
    public var skipThroughLine: Int64

    var carry: [UInt8] = []
    var partialOut: Partial?
    var partialErr: Partial?
    var lastTimestamp: Int64 = 0

    /// A parser starting at `start` (a file offset and the physical lines before it).
    public init(start: ResumePoint = ResumePoint(offset: 0, lineNumber: 0), skipThroughLine: Int64 = 0) {
        self.offset = start.offset
        self.lineNumber = start.lineNumber
        self.skipThroughLine = skipThroughLine
    }

    /// Where a new parser must start to rebuild this one's state (see the type's documentation).
    public var resumePoint: ResumePoint {
        var point = ResumePoint(offset: offset, lineNumber: lineNumber)
        if let p = partialOut, p.start.offset < point.offset { point = p.start }
        if let p = partialErr, p.start.offset < point.offset { point = p.start }
        return point
    }

    /// A physical line longer than this (the runtime writes at most 16 KiB of text per line) is not valid CRI:
    /// its bytes so far become a malformed record rather than growing the buffer without bound.
    public static let maxLineBytes = 1 << 20

    /// Bytes of an unterminated last line held until its newline arrives.
    public var pendingBytes: Int { carry.count }

    /// Feeds bytes; `body` receives each completed entry in file order.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ body: (Entry) throws -> Void) rethrows {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count > 0 else { return }
        let count = bytes.count
        var start = 0
        if !carry.isEmpty {
            guard let nl = memchr(base, 0x0A, count) else {
                carry.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
                try overlong(body)
                return
            }
            let end = base.distance(to: nl.assumingMemoryBound(to: UInt8.self))
            carry.append(contentsOf: UnsafeBufferPointer(start: base, count: end))
            let line = carry
            carry.removeAll(keepingCapacity: true)
            try line.withUnsafeBufferPointer { try self.line($0, body) }
            start = end + 1
        }
        while start < count {
            guard let nl = memchr(base + start, 0x0A, count - start) else {
                carry.append(contentsOf: UnsafeBufferPointer(start: base + start, count: count - start))
                try overlong(body)
                return
            }
            let end = base.distance(to: nl.assumingMemoryBound(to: UInt8.self))
            try line(UnsafeBufferPointer(start: base + start, count: end - start), body)
            start = end + 1
        }
    }

    /// Feeds bytes from an array or other contiguous collection.
    public mutating func feed(_ bytes: some Collection<UInt8>, _ body: (Entry) throws -> Void) rethrows {
        let done: Void? = try bytes.withContiguousStorageIfAvailable {
            try self.feed(UnsafeRawBufferPointer($0), body)
        }
        if done == nil {
            let copy = Array(bytes)
            try copy.withUnsafeBytes { try self.feed($0, body) }
        }
    }

    /// Ends the input: an unterminated last line is parsed as if terminated, and unfinished partial lines are
    /// emitted as they are (the container exited in the middle of a line).
    public mutating func finish(_ body: (Entry) throws -> Void) rethrows {
        if !carry.isEmpty {
            let line = carry
            carry.removeAll()
            try line.withUnsafeBufferPointer { try self.line($0, body) }
            // the line had no newline: it still counts as consumed
            offset -= 1
        }
        var rest: [(Partial, LogRecord.Stream)] = []
        if let p = partialOut { rest.append((p, .stdout)) }
        if let p = partialErr { rest.append((p, .stderr)) }
        partialOut = nil
        partialErr = nil
        for (p, stream) in rest.sorted(by: { $0.0.start.offset < $1.0.start.offset }) {
            let record = LogRecord(
                timestampNanos: p.timestamp, stream: stream, text: String(decoding: p.text, as: UTF8.self))
            if lineNumber > skipThroughLine {
                try body(Entry(record: record, lineNumber: lineNumber, endOffset: offset, isMalformed: false))
            }
        }
    }

    /// One physical line without its newline.
    @inline(__always)
    mutating func line(_ line: UnsafeBufferPointer<UInt8>, _ body: (Entry) throws -> Void) rethrows {
        let lineStart = ResumePoint(offset: offset, lineNumber: lineNumber)
        offset += Int64(line.count + 1)
        lineNumber += 1
        let skip = lineNumber <= skipThroughLine
        let n = line.count
        // timestamp
        var sp = 0
        while sp < n, line[sp] != 0x20 { sp += 1 }
        guard sp < n, let ts = CRITimestamp.parse(UnsafeBufferPointer(rebasing: line[0..<sp])) else {
            return try malformed(line, skip: skip, body)
        }
        // stream
        let stream: LogRecord.Stream
        var i = sp + 1
        if i + 7 <= n, line[i] == 0x73, line[i + 1] == 0x74, line[i + 2] == 0x64, line[i + 6] == 0x20 {
            if line[i + 3] == 0x6F, line[i + 4] == 0x75, line[i + 5] == 0x74 {
                stream = .stdout
            } else if line[i + 3] == 0x65, line[i + 4] == 0x72, line[i + 5] == 0x72 {
                stream = .stderr
            } else {
                return try malformed(line, skip: skip, body)
            }
        } else {
            return try malformed(line, skip: skip, body)
        }
        i += 7
        // tags: "F", "P", or a ':'-separated list containing them
        let tagStart = i
        while i < n, line[i] != 0x20 { i += 1 }
        guard i > tagStart else { return try malformed(line, skip: skip, body) }
        var partial = false
        var known = false
        for t in tagStart..<i {
            let c = line[t]
            if c == 0x50 {
                partial = true
                known = true
            } else if c == 0x46 {
                known = true
            }
        }
        guard known else { return try malformed(line, skip: skip, body) }
        let contentStart = i < n ? i + 1 : n
        let content = UnsafeBufferPointer(rebasing: line[contentStart..<n])
        lastTimestamp = ts

        if partial {
            if stream == .stdout {
                if partialOut == nil { partialOut = Partial(text: [], timestamp: ts, start: lineStart) }
                partialOut!.text.append(contentsOf: content)
            } else {
                if partialErr == nil { partialErr = Partial(text: [], timestamp: ts, start: lineStart) }
                partialErr!.text.append(contentsOf: content)
            }
            return
        }
        var pending: Partial?
        if stream == .stdout { swap(&pending, &partialOut) } else { swap(&pending, &partialErr) }
        if skip { return }
        let record: LogRecord
        if var p = pending {
            p.text.append(contentsOf: content)
            record = LogRecord(
                timestampNanos: p.timestamp, stream: stream, text: String(decoding: p.text, as: UTF8.self))
        } else {
            record = LogRecord(timestampNanos: ts, stream: stream, text: String(decoding: content, as: UTF8.self))
        }
        try body(Entry(record: record, lineNumber: lineNumber, endOffset: offset, isMalformed: false))
    }

    /// Emits an unterminated line that has grown past ``maxLineBytes`` as a malformed record.
    mutating func overlong(_ body: (Entry) throws -> Void) rethrows {
        guard carry.count > Self.maxLineBytes else { return }
        let bytes = carry
        carry.removeAll()
        try bytes.withUnsafeBufferPointer { line in
            try self.line(line, body)  // parses and counts it as a line...
        }
        offset -= 1  // ...that had no newline
    }

    mutating func malformed(_ line: UnsafeBufferPointer<UInt8>, skip: Bool, _ body: (Entry) throws -> Void) rethrows {
        malformedLines += 1
        if skip { return }
        let record = LogRecord(
            timestampNanos: lastTimestamp, stream: .stdout, text: String(decoding: line, as: UTF8.self))
        try body(Entry(record: record, lineNumber: lineNumber, endOffset: offset, isMalformed: true))
    }
}
