import C8SLogs
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A realistic CRI log file: mixed line lengths (most short, some long, 1% over containerd's 16 KiB fragment size),
/// both streams, 1 ms apart, a few lines holding one of the benchmark's secrets. Deterministic.
enum Generator {
    struct Random {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static let words = [
        "request", "handled", "GET", "POST", "/api/v1/orders", "/healthz", "status=200", "status=404", "took", "ms",
        "user", "cache", "miss", "hit", "compiling", "linking", "test", "passed", "failed", "warning:", "error:",
        "Downloading", "https://registry.example.com/v2/library/golang/blobs/sha256", "pkg/server/handler.go:142",
        "retrying", "connection", "reset", "by", "peer", "==>", "[INFO]", "[DEBUG]", "[WARN]", "id=7f3a9c", "bytes",
    ]

    static func secret(_ index: Int) -> String {
        var random = Random(state: 0xC8C8_0000 &+ UInt64(index) &* 0x1_0000_0001)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return "sk_live_" + String((0..<24).map { _ in alphabet[random.below(alphabet.count)] })
    }

    /// Writes about `megabytes` MB; returns the file's size and its number of logical lines.
    static func write(path: String, megabytes: Int) throws -> (Int, Int) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(fd) }
        var random = Random()
        let writer = CRIWriter()
        var buffer: [UInt8] = []
        buffer.reserveCapacity(5 << 20)
        var total = 0
        var lines = 0
        var timestamp: Int64 = 1_795_564_235_000_000_000
        let target = megabytes * 1_000_000
        while total < target {
            let roll = random.below(100)
            let length =
                roll < 60
                ? 20 + random.below(100)
                : roll < 90
                    ? 120 + random.below(280) : roll < 99 ? 400 + random.below(3600) : 16_384 + random.below(24_000)
            var text = ""
            text.reserveCapacity(length + 16)
            while text.utf8.count < length {
                text += words[random.below(words.count)]
                text += " "
            }
            if random.below(1000) == 0 { text += "token=" + secret(random.below(100)) }
            let stream: LogRecord.Stream = random.below(10) == 0 ? .stderr : .stdout
            let record = LogRecord(timestampNanos: timestamp, stream: stream, text: text)
            writer.append(record, to: &buffer)
            timestamp += 1_000_000
            lines += 1
            if buffer.count >= 4 << 20 {
                try flush(fd, &buffer, &total)
            }
        }
        try flush(fd, &buffer, &total)
        return (total, lines)
    }

    static func flush(_ fd: Int32, _ buffer: inout [UInt8], _ total: inout Int) throws {
        try buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                guard n > 0 else { throw CocoaError(.fileWriteUnknown) }
                offset += n
            }
        }
        total += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}
