import Testing

@testable import C8SLogs

@Suite("CRI log format")
struct CRITests {
    func parseAll(_ bytes: [UInt8], pieces: Int = 1) -> ([CRIParser.Entry], CRIParser) {
        var parser = CRIParser()
        var entries: [CRIParser.Entry] = []
        let size = max(1, bytes.count / pieces)
        var i = 0
        while i < bytes.count {
            let j = min(bytes.count, i + size)
            parser.feed(bytes[i..<j]) { entries.append($0) }
            i = j
        }
        return (entries, parser)
    }

    @Test func timestampsParseAndFormatLikeGo() throws {
        let cases: [(String, Int64)] = [
            ("1970-01-01T00:00:00Z", 0),
            ("2016-10-06T00:17:09.669794202Z", 1_475_713_029_669_794_202),
            ("2016-10-06T00:17:09.5Z", 1_475_713_029_500_000_000),
            ("2024-02-29T23:59:59.000000001Z", 1_709_251_199_000_000_001),
        ]
        for (text, nanos) in cases {
            let parsed = Array(text.utf8).withUnsafeBufferPointer { CRITimestamp.parse($0) }
            #expect(parsed == nanos, "\(text)")
            #expect(CRITimestamp.format(nanos) == text)
        }
        let offset = Array("2016-10-06T02:17:09.5+02:00".utf8).withUnsafeBufferPointer { CRITimestamp.parse($0) }
        #expect(offset == 1_475_713_029_500_000_000)
        for bad in [
            "2016-10-06 00:17:09Z", "2016-13-06T00:17:09Z", "2016-10-06T00:17:09", "garbage", "2016-10-06T00:17:09.Z",
        ] {
            #expect(Array(bad.utf8).withUnsafeBufferPointer { CRITimestamp.parse($0) } == nil, "\(bad)")
        }
    }

    @Test func writeParseRoundTrip() {
        var records: [LogRecord] = []
        for i in 0..<500 {
            let ts: Int64 = 1_700_000_000_000_000_000 + Int64(i) * 1_234_567
            let stream: LogRecord.Stream = i % 3 == 0 ? .stderr : .stdout
            let text: String = i % 7 == 0 ? "" : "line \(i) ünïcødé \u{1F600} " + String(repeating: "x", count: i)
            records.append(LogRecord(timestampNanos: ts, stream: stream, text: text))
        }
        let writer = CRIWriter()
        var bytes: [UInt8] = []
        for r in records { writer.append(r, to: &bytes) }
        for pieces in [1, 3, 1000, bytes.count] {
            let (entries, parser) = parseAll(bytes, pieces: pieces)
            #expect(entries.map(\.record) == records)
            #expect(parser.malformedLines == 0)
            #expect(parser.offset == Int64(bytes.count))
            #expect(parser.pendingBytes == 0)
        }
    }

    @Test func exactFormatOfALine() {
        let bytes = CRIWriter().encode(
            LogRecord(timestampNanos: 1_475_713_029_669_794_202, stream: .stderr, text: "hi"))
        #expect(String(decoding: bytes, as: UTF8.self) == "2016-10-06T00:17:09.669794202Z stderr F hi\n")
    }

    @Test func partialLinesAreJoinedPerStream() {
        let text = """
            2024-01-01T00:00:00.1Z stdout P hel
            2024-01-01T00:00:00.2Z stderr P err-
            2024-01-01T00:00:00.3Z stdout P lo 
            2024-01-01T00:00:00.4Z stderr F line
            2024-01-01T00:00:00.5Z stdout F world
            2024-01-01T00:00:00.6Z stdout F 

            """
        let (entries, parser) = parseAll(Array(text.utf8), pieces: 7)
        #expect(entries.map(\.record.text) == ["err-line", "hello world", ""])
        #expect(entries.map(\.record.stream) == [.stderr, .stdout, .stdout])
        #expect(entries.map(\.lineNumber) == [4, 5, 6])
        let first = Array("2024-01-01T00:00:00.1Z".utf8).withUnsafeBufferPointer { CRITimestamp.parse($0) }
        #expect(entries[1].record.timestampNanos == first)
        #expect(parser.malformedLines == 0)
    }

    @Test func longLinesAreSplitAt16KiBAndJoinedBack() {
        let long = String(repeating: "abcdefgh", count: 5000)  // 40000 bytes
        let record = LogRecord(timestampNanos: 42, stream: .stdout, text: long)
        let bytes = CRIWriter().encode(record)
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 3)
        let tags = lines.map { line in String(decoding: line, as: UTF8.self).split(separator: " ")[2] }
        #expect(tags == ["P", "P", "F"])
        for line in lines {
            let content = line.split(separator: 0x20, maxSplits: 3, omittingEmptySubsequences: false)[3]
            #expect(content.count <= 16 * 1024)
        }
        #expect(parseAll(bytes, pieces: 5).0.map(\.record) == [record])

        // Framing raw output like the runtime: exact 16 KiB line stays one F line; longer ones split.
        var framer = CRIWriter()
        var out: [UInt8] = []
        let raw =
            Array(String(repeating: "y", count: 16 * 1024).utf8) + [0x0A] + Array(long.utf8) + [0x0A]
            + Array("tail".utf8)
        raw.withUnsafeBytes { framer.feed($0, stream: .stderr, timestampNanos: 7, to: &out) }
        framer.flush(stream: .stderr, timestampNanos: 8, to: &out)
        let framed = parseAll(out).0.map(\.record.text)
        #expect(framed == [String(repeating: "y", count: 16 * 1024), long, "tail"])
        let fragments = out.split(separator: 0x0A).count
        #expect(fragments == 1 + 3 + 1)
    }

    @Test func malformedLinesAreKeptAndCounted() {
        let text = """
            2024-01-01T00:00:00.1Z stdout F ok
            this is not cri
            2024-01-01T00:00:00.2Z stdxxx F bad stream
            2024-01-01T00:00:00.3Z stderr F fine

            """
        let (entries, parser) = parseAll(Array(text.utf8))
        #expect(parser.malformedLines == 2)
        #expect(entries.count == 4)
        #expect(entries[1].isMalformed && entries[1].record.text == "this is not cri")
        #expect(entries[1].record.stream == .stdout)
        #expect(entries[1].record.timestampNanos == entries[0].record.timestampNanos)
        #expect(entries[2].record.text == "2024-01-01T00:00:00.2Z stdxxx F bad stream")
        #expect(entries[3].record.text == "fine" && !entries[3].isMalformed)
    }

    @Test func resumingFromResumePointSkipsDeliveredEntries() {
        let text = """
            2024-01-01T00:00:00.1Z stdout P a
            2024-01-01T00:00:00.2Z stderr F one
            2024-01-01T00:00:00.3Z stdout F b
            2024-01-01T00:00:00.4Z stderr F two

            """
        let bytes = Array(text.utf8)
        var parser = CRIParser()
        var first: [CRIParser.Entry] = []
        // feed up to and including line 2, as a tailer would, and "deliver" the stderr entry
        let cut = bytes.indices.filter { bytes[$0] == 0x0A }[1] + 1
        parser.feed(bytes[0..<cut]) { first.append($0) }
        #expect(first.map(\.record.text) == ["one"])
        let point = parser.resumePoint
        #expect(point == CRIParser.ResumePoint(offset: 0, lineNumber: 0))
        var resumed = CRIParser(start: point, skipThroughLine: first.last!.lineNumber)
        var rest: [String] = []
        resumed.feed(bytes[Int(point.offset)...]) { rest.append($0.record.text) }
        #expect(rest == ["ab", "two"])
    }

    @Test func finishEmitsUnterminatedAndUnfinishedLines() {
        var parser = CRIParser()
        var texts: [String] = []
        parser.feed(Array("2024-01-01T00:00:00Z stdout P half\n2024-01-01T00:00:00Z stderr F no-newline".utf8)) {
            texts.append($0.record.text)
        }
        #expect(texts.isEmpty)
        parser.finish { texts.append($0.record.text) }
        #expect(texts == ["no-newline", "half"])
    }

    @Test func anEndlessLineBecomesMalformedRecordsInsteadOfGrowingForever() {
        var parser = CRIParser()
        var entries: [CRIParser.Entry] = []
        let garbage = [UInt8](repeating: 0x41, count: 300_000)
        for _ in 0..<5 { parser.feed(garbage) { entries.append($0) } }
        parser.feed(Array("\n2024-01-01T00:00:00Z stdout F ok\n".utf8)) { entries.append($0) }
        #expect(entries.count == 3)
        #expect(entries[0].isMalformed && entries[1].isMalformed)
        #expect(entries.last?.record.text == "ok")
        #expect(entries.map(\.record.text.utf8.count).prefix(2).reduce(0, +) == 1_500_000)
        #expect(parser.offset == 1_500_000 + 1 + 33)
    }
}
