#if canImport(Glibc)
import Glibc
#endif

/// Writes CRI log lines the way containerd does: `<RFC3339Nano> <stream> <P|F> <text>\n`, a line longer than
/// ``maxFragmentBytes`` split into `P` fragments of at most that many bytes followed by a final `F` fragment.
///
/// Two uses: ``append(_:to:)`` encodes whole records (a newline inside `text` ends a line, as it would in the
/// container's output); ``feed(_:stream:timestampNanos:to:)`` frames a process's raw output the way the runtime
/// does, holding an unterminated line per stream until its newline, ``flush(stream:timestampNanos:to:)`` or
/// until it reaches the fragment size. Pure: the caller writes the bytes.
public struct CRIWriter: Sendable {
    /// containerd's fragment size: 16 KiB of text per physical line.
    public static let defaultMaxFragmentBytes = 16 * 1024

    /// The largest number of text bytes in one physical line.
    public let maxFragmentBytes: Int
    var pendingOut: [UInt8] = []
    var pendingErr: [UInt8] = []

    public init(maxFragmentBytes: Int = CRIWriter.defaultMaxFragmentBytes) {
        precondition(maxFragmentBytes > 0, "maxFragmentBytes must be positive")
        self.maxFragmentBytes = maxFragmentBytes
    }

    /// Appends the CRI lines of one record.
    public func append(_ record: LogRecord, to out: inout [UInt8]) {
        var text = record.text
        text.withUTF8 { utf8 in
            var start = 0
            let n = utf8.count
            repeat {
                var end = start
                while end < n, utf8[end] != 0x0A { end += 1 }
                appendLine(UnsafeBufferPointer(rebasing: utf8[start..<end]), record.stream, record.timestampNanos, &out)
                start = end + 1
            } while start <= n
        }
    }

    /// The CRI bytes of one record.
    public func encode(_ record: LogRecord) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(record.text.utf8.count + 48)
        append(record, to: &out)
        return out
    }

    /// Frames raw output bytes of `stream` received at `timestampNanos`: complete lines become `F` lines, and
    /// pending text that reaches ``maxFragmentBytes`` becomes `P` fragments.
    public mutating func feed(
        _ bytes: UnsafeRawBufferPointer, stream: LogRecord.Stream, timestampNanos: Int64, to out: inout [UInt8]
    ) {
        var pending: [UInt8] = []
        if stream == .stdout { swap(&pending, &pendingOut) } else { swap(&pending, &pendingErr) }
        defer { if stream == .stdout { swap(&pending, &pendingOut) } else { swap(&pending, &pendingErr) } }
        let data = bytes.bindMemory(to: UInt8.self)
        var start = 0
        let n = data.count
        while start < n {
            var end = start
            while end < n, data[end] != 0x0A { end += 1 }
            pending.append(contentsOf: UnsafeBufferPointer(rebasing: data[start..<end]))
            while pending.count >= maxFragmentBytes, !(end < n && pending.count == maxFragmentBytes) {
                pending.withUnsafeBufferPointer {
                    Self.line(
                        UnsafeBufferPointer(rebasing: $0[0..<maxFragmentBytes]), stream, "P", timestampNanos, &out)
                }
                pending.removeFirst(maxFragmentBytes)
            }
            if end < n {
                pending.withUnsafeBufferPointer { Self.line($0, stream, "F", timestampNanos, &out) }
                pending.removeAll(keepingCapacity: true)
            }
            start = end + 1
        }
    }

    /// Writes out the unterminated text of `stream` as a final line (the stream closed without a newline).
    public mutating func flush(stream: LogRecord.Stream, timestampNanos: Int64, to out: inout [UInt8]) {
        var pending: [UInt8] = []
        if stream == .stdout { swap(&pending, &pendingOut) } else { swap(&pending, &pendingErr) }
        if !pending.isEmpty {
            pending.withUnsafeBufferPointer { Self.line($0, stream, "F", timestampNanos, &out) }
        }
    }

    func appendLine(_ text: UnsafeBufferPointer<UInt8>, _ stream: LogRecord.Stream, _ ts: Int64, _ out: inout [UInt8]) {
        var start = 0
        while text.count - start > maxFragmentBytes {
            Self.line(UnsafeBufferPointer(rebasing: text[start..<start + maxFragmentBytes]), stream, "P", ts, &out)
            start += maxFragmentBytes
        }
        Self.line(UnsafeBufferPointer(rebasing: text[start...]), stream, "F", ts, &out)
    }

    static func line(
        _ text: UnsafeBufferPointer<UInt8>, _ stream: LogRecord.Stream, _ tag: Unicode.Scalar, _ ts: Int64,
        _ out: inout [UInt8]
    ) {
        CRITimestamp.append(ts, to: &out)
        out.append(0x20)
        switch stream {
        case .stdout: out.append(contentsOf: [0x73, 0x74, 0x64, 0x6F, 0x75, 0x74])
        case .stderr: out.append(contentsOf: [0x73, 0x74, 0x64, 0x65, 0x72, 0x72])
        }
        out.append(0x20)
        out.append(UInt8(tag.value))
        out.append(0x20)
        out.append(contentsOf: text)
        out.append(0x0A)
    }
}
