import C8SCommon

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The encoding of log records inside a chunk: the CRI log line format, one record per line.
///
/// Each record is written as `<RFC3339Nano timestamp> <stream> F <text>\n`, for example
/// `2026-11-24T23:49:34.123456789Z stdout F hello`. The timestamp always has nine fractional digits and the `Z`
/// zone, so lines have a fixed-width prefix and sort lexically by time. A decompressed chunk
/// (`zstd -d -c chunk-000000000000.zst`) is therefore an ordinary CRI log file that `grep`, `cut` and the CRI
/// tooling understand. A newline inside a record's text (which the CRI parser never produces) is written as a space,
/// so one record is always exactly one line. The decoder also accepts variable-width fractions, numeric zone offsets
/// and partial (`P`) lines, which it joins with the following line as the CRI format specifies.
public enum ChunkRecordCodec {
    /// Bytes the encoding of `record` takes (the size bound of the chunker counts these).
    @inlinable
    public static func encodedSize(of record: LogRecord) -> Int {
        timestampWidth + 1 + 6 + 3 + record.text.utf8.count + 1
    }

    /// Width of the fixed `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` timestamp.
    public static let timestampWidth = 30

    /// Appends the encoding of `record` to `buffer`.
    public static func encode(_ record: LogRecord, into buffer: inout [UInt8]) {
        var cache = TimestampCache()
        encode(record, into: &buffer, cache: &cache)
    }

    /// Appends the encoding of `record` to `buffer`, reusing the formatted date of the previous record's second.
    public static func encode(_ record: LogRecord, into buffer: inout [UInt8], cache: inout TimestampCache) {
        // The 40-byte prefix "<timestamp> <stream> F " is built on the stack and appended at once.
        var prefix: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &prefix) { p in
            cache.write(record.timestampNanos, to: p.baseAddress!)
            // " stdout " / " stderr "
            let tag: UInt64 = record.stream == .stdout ? 0x2074_756F_6474_7320 : 0x2072_7265_6474_7320
            p.storeBytes(of: tag.littleEndian, toByteOffset: 30, as: UInt64.self)
            p[38] = UInt8(ascii: "F")
            p[39] = UInt8(ascii: " ")
        }
        withUnsafeBytes(of: prefix) { buffer.append(contentsOf: $0) }
        let textStart = buffer.count
        var text = record.text
        text.withUTF8 { buffer.append(contentsOf: $0) }
        if buffer.count > textStart {
            buffer.withUnsafeMutableBytes { all in
                var p = all.baseAddress! + textStart
                let end = all.baseAddress! + all.count
                while let hit = memchr(p, 0x0A, end - p) {
                    hit.storeBytes(of: 0x20, as: UInt8.self)
                    p = UnsafeMutableRawPointer(hit) + 1
                }
            }
        }
        buffer.append(0x0A)
    }

    /// Decodes every record of an uncompressed chunk, in order (see ``ChunkRecordCursor`` to decode one at a time).
    ///
    /// - Parameter name: what to call the input in errors (usually the chunk's key).
    public static func decode(_ bytes: [UInt8], name: String) throws(ChunkError) -> [LogRecord] {
        var records: [LogRecord] = []
        records.reserveCapacity(bytes.count / 64)
        var cursor = ChunkRecordCursor(bytes, name: name)
        while let record = try cursor.next() { records.append(record) }
        return records
    }

    struct ParsedLine {
        var timestamp: Int64
        var stream: LogRecord.Stream
        var partial: Bool
        var textStart: Int
    }

    static func parseLine(_ line: UnsafeBufferPointer<UInt8>) -> ParsedLine? {
        guard let tsEnd = line.firstIndex(of: 0x20) else { return nil }
        guard let ts = CRITimestamp.parse(UnsafeBufferPointer(rebasing: line[0..<tsEnd])) else { return nil }
        let streamStart = tsEnd + 1
        guard line.count >= streamStart + 9 else { return nil }
        let stream: LogRecord.Stream
        if line[streamStart] == UInt8(ascii: "s") && line[streamStart + 1] == UInt8(ascii: "t")
            && line[streamStart + 2] == UInt8(ascii: "d") && line[streamStart + 6] == 0x20
        {
            let s = (line[streamStart + 3], line[streamStart + 4], line[streamStart + 5])
            if s == (UInt8(ascii: "o"), UInt8(ascii: "u"), UInt8(ascii: "t")) {
                stream = .stdout
            } else if s == (UInt8(ascii: "e"), UInt8(ascii: "r"), UInt8(ascii: "r")) {
                stream = .stderr
            } else {
                return nil
            }
        } else {
            return nil
        }
        let tag = line[streamStart + 7]
        guard tag == UInt8(ascii: "F") || tag == UInt8(ascii: "P") else { return nil }
        let afterTag = streamStart + 8
        // A record with empty text may end right after the tag.
        if afterTag == line.count {
            return ParsedLine(timestamp: ts, stream: stream, partial: tag == UInt8(ascii: "P"), textStart: afterTag)
        }
        guard line[afterTag] == 0x20 else { return nil }
        return ParsedLine(timestamp: ts, stream: stream, partial: tag == UInt8(ascii: "P"), textStart: afterTag + 1)
    }
}

/// Formats timestamps, remembering the date and time of the last whole second it formatted.
public struct TimestampCache: Sendable {
    private var second: Int64 = .min
    private var prefix: (UInt64, UInt64, UInt32) = (0, 0, 0)  // 20 bytes: "YYYY-MM-DDTHH:MM:SS."

    public init() {}

    /// Appends `nanos` as `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` to `buffer`.
    public mutating func append(_ nanos: Int64, to buffer: inout [UInt8]) {
        var bytes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &bytes) { write(nanos, to: $0.baseAddress!) }
        withUnsafeBytes(of: bytes) { buffer.append(contentsOf: $0.prefix(30)) }
    }

    /// Writes the 30 bytes of `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` for `nanos` at `target`.
    mutating func write(_ nanos: Int64, to target: UnsafeMutableRawPointer) {
        let clamped = Swift.max(0, nanos)
        let sec = clamped / 1_000_000_000
        var frac = clamped % 1_000_000_000
        if sec != second {
            second = sec
            var bytes = [UInt8](repeating: 0, count: 20)
            ChunkTimestamp.formatSecond(sec, into: &bytes)
            bytes[19] = UInt8(ascii: ".")
            withUnsafeMutableBytes(of: &prefix) { dst in
                bytes.withUnsafeBytes { src in dst.copyMemory(from: src) }
            }
        }
        withUnsafeBytes(of: prefix) { target.copyMemory(from: $0.baseAddress!, byteCount: 20) }
        var i = 28
        while i >= 20 {
            target.storeBytes(of: UInt8(truncatingIfNeeded: 48 + frac % 10), toByteOffset: i, as: UInt8.self)
            frac /= 10
            i -= 1
        }
        target.storeBytes(of: UInt8(ascii: "Z"), toByteOffset: 29, as: UInt8.self)
    }
}

/// RFC 3339 timestamps in UTC as chunks store them, without Foundation: always nine fractional digits (fixed width,
/// so a record's bytes depend only on its time), where ``CRITimestamp`` trims trailing zeros as Go's
/// `time.RFC3339Nano` does. Chunk lines are parsed with ``CRITimestamp/parse(_:)``; the calendar arithmetic is
/// ``CRITimestamp``'s too.
package enum ChunkTimestamp {
    /// Writes `YYYY-MM-DDTHH:MM:SS` (19 bytes) for `seconds` since the epoch.
    static func formatSecond(_ seconds: Int64, into bytes: inout [UInt8]) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secOfDay = seconds - days * 86_400
        let (y, m, d) = CivilCalendar.date(days: days)
        func put(_ value: Int64, _ at: Int, _ width: Int) {
            var v = value
            var i = at + width - 1
            while i >= at {
                bytes[i] = UInt8(truncatingIfNeeded: 48 + v % 10)
                v /= 10
                i -= 1
            }
        }
        put(y, 0, 4)
        bytes[4] = UInt8(ascii: "-")
        put(m, 5, 2)
        bytes[7] = UInt8(ascii: "-")
        put(d, 8, 2)
        bytes[10] = UInt8(ascii: "T")
        put(secOfDay / 3600, 11, 2)
        bytes[13] = UInt8(ascii: ":")
        put(secOfDay / 60 % 60, 14, 2)
        bytes[16] = UInt8(ascii: ":")
        put(secOfDay % 60, 17, 2)
    }

    /// Formats nanoseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`.
    package static func format(_ nanos: Int64) -> String {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(30)
        var cache = TimestampCache()
        cache.append(nanos, to: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
