import Foundation
import Testing

@testable import C8SLogs

@Suite struct ChunkerTests {
    let small = ChunkerConfiguration(maxUncompressedBytes: 4096, maxAgeNanos: 1_000_000_000_000, compressionLevel: 3)

    @Test func sameRecordsGiveSameChunksByteForByte() throws {
        let records = ChunkTestSupport.records(2000)
        var a = Chunker(configuration: small)
        var b = Chunker(configuration: small)
        var chunksA = try a.append(contentsOf: records)
        // Feed b in uneven batches: boundaries must not depend on how records arrive.
        var chunksB: [Chunk] = []
        var i = 0
        var step = 1
        while i < records.count {
            let end = min(records.count, i + step)
            chunksB += try b.append(contentsOf: records[i..<end])
            i = end
            step = step % 17 + 3
        }
        if let last = try a.flush() { chunksA.append(last) }
        if let last = try b.flush() { chunksB.append(last) }
        #expect(chunksA.count > 10)
        #expect(chunksA == chunksB)
        // Restarting at a chunk boundary reproduces the remaining chunks exactly.
        let resumeAt = chunksA[5].entry
        var c = Chunker(configuration: small, startSequence: resumeAt.sequence, startLineNumber: resumeAt.firstLine)
        var chunksC = try c.append(contentsOf: records[Int(resumeAt.firstLine)...])
        if let last = try c.flush() { chunksC.append(last) }
        #expect(chunksC == Array(chunksA[5...]))
    }

    @Test func sizeBoundAndContiguousLines() throws {
        let records = ChunkTestSupport.records(3000)
        var chunker = Chunker(configuration: small)
        var chunks = try chunker.append(contentsOf: records)
        if let last = try chunker.flush() { chunks.append(last) }
        var nextLine: Int64 = 0
        for (n, chunk) in chunks.enumerated() {
            #expect(chunk.entry.sequence == Int64(n))
            #expect(chunk.entry.firstLine == nextLine)
            #expect(chunk.entry.uncompressedBytes <= 4096)
            #expect(chunk.entry.compressedBytes == Int64(chunk.data.count))
            let decoded = try chunk.records()
            #expect(decoded == Array(records[Int(chunk.entry.firstLine)..<Int(chunk.entry.endLine)]))
            #expect(chunk.entry.firstTimestampNanos == decoded.first?.timestampNanos)
            #expect(chunk.entry.lastTimestampNanos == decoded.last?.timestampNanos)
            nextLine = chunk.entry.endLine
        }
        #expect(nextLine == 3000)
        // Every chunk but the last is close to full: the next record would not have fit.
        for chunk in chunks.dropLast() { #expect(chunk.entry.uncompressedBytes > 4096 - 200) }
    }

    @Test func oversizedRecordMakesItsOwnChunk() throws {
        var chunker = Chunker(configuration: small)
        var sealed: [Chunk] = []
        try chunker.append(LogRecord(timestampNanos: 1, stream: .stdout, text: "a"), sealing: &sealed)
        try chunker.append(
            LogRecord(timestampNanos: 2, stream: .stdout, text: String(repeating: "x", count: 10_000)), sealing: &sealed
        )
        #expect(sealed.map(\.entry.lineCount) == [1, 1])
        #expect(chunker.pendingLineCount == 0)
    }

    @Test func ageBoundFollowsRecordTimestampsAndTheCallersClock() throws {
        let config = ChunkerConfiguration(maxUncompressedBytes: 1 << 20, maxAgeNanos: 2_000_000_000)
        var chunker = Chunker(configuration: config)
        var sealed: [Chunk] = []
        let t0: Int64 = 1_000_000_000_000
        for offset: Int64 in [0, 500_000_000, 1_999_999_999] {
            try chunker.append(LogRecord(timestampNanos: t0 + offset, stream: .stdout, text: "x"), sealing: &sealed)
        }
        #expect(sealed.isEmpty)
        // A record 2 s after the chunk's first seals the chunk before it.
        try chunker.append(LogRecord(timestampNanos: t0 + 2_000_000_000, stream: .stdout, text: "y"), sealing: &sealed)
        #expect(sealed.map(\.entry.lineCount) == [3])
        // Idle flush by the clock passed in.
        #expect(try chunker.flushIfOlder(now: t0 + 3_999_999_999) == nil)
        let idle = try #require(try chunker.flushIfOlder(now: t0 + 4_000_000_000))
        #expect(idle.entry.firstLine == 3 && idle.entry.lineCount == 1 && idle.entry.sequence == 1)
        #expect(try chunker.flush() == nil)
    }

    @Test func encodingIsCRILinesAndRoundTrips() throws {
        var buffer: [UInt8] = []
        ChunkRecordCodec.encode(
            LogRecord(timestampNanos: 1_795_564_235_012_345_678, stream: .stderr, text: "boom: a\nb"), into: &buffer)
        ChunkRecordCodec.encode(LogRecord(timestampNanos: 5, stream: .stdout, text: ""), into: &buffer)
        let text = String(decoding: buffer, as: UTF8.self)
        #expect(text == "2026-11-24T23:50:35.012345678Z stderr F boom: a b\n1970-01-01T00:00:00.000000005Z stdout F \n")
        let decoded = try ChunkRecordCodec.decode(buffer, name: "t")
        #expect(decoded.map(\.text) == ["boom: a b", ""])
        #expect(decoded.map(\.timestampNanos) == [1_795_564_235_012_345_678, 5])
        // Accepts variable fractions, offsets and partial lines, as written by container runtimes.
        let cri = "2016-10-06T00:17:09.669794202Z stdout P part one \n2016-10-06T02:17:10.1+02:00 stdout F and two\n"
        let joined = try ChunkRecordCodec.decode(Array(cri.utf8), name: "cri")
        #expect(joined.count == 1)
        #expect(joined[0].text == "part one and two")
        #expect(joined[0].timestampNanos == 1_475_713_030_100_000_000)
        #expect(throws: ChunkError.self) { try ChunkRecordCodec.decode(Array("garbage\n".utf8), name: "bad") }
    }

    @Test func timestampsFormatAcrossCalendarEdges() {
        #expect(ChunkTimestamp.format(0) == "1970-01-01T00:00:00.000000000Z")
        #expect(ChunkTimestamp.format(951_782_400_000_000_001) == "2000-02-29T00:00:00.000000001Z")
        #expect(ChunkTimestamp.format(4_102_444_799_999_999_999) == "2099-12-31T23:59:59.999999999Z")
    }

    @Test func everyChunkDecompressesWithTheZstdCommandLineTool() async throws {
        let records = ChunkTestSupport.records(500)
        var chunker = Chunker(configuration: ChunkerConfiguration(maxUncompressedBytes: 8192))
        var chunks = try chunker.append(contentsOf: records)
        if let last = try chunker.flush() { chunks.append(last) }
        #expect(chunks.count > 2)
        let zstd = ["/usr/bin/zstd", "/usr/local/bin/zstd"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let tool = try #require(zstd, "the zstd command-line tool is needed")
        for chunk in chunks {
            let (output, status) = try await ChunkTestSupport.run(tool, ["-d", "-c"], input: Data(chunk.data))
            #expect(status == 0)
            let lines = String(decoding: output, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == Int(chunk.entry.lineCount) + 1)  // trailing newline
            for (offset, line) in lines.dropLast().enumerated() {
                let record = records[Int(chunk.entry.firstLine) + offset]
                #expect(line.hasSuffix(" \(record.stream.rawValue) F \(record.text)"))
                #expect(line.hasPrefix(ChunkTimestamp.format(record.timestampNanos)))
            }
        }
    }

    @Test func chunkKeysSortNumerically() {
        #expect(ChunkKey.name(sequence: 42) == "chunk-000000000042.zst")
        let names = [0, 9, 10, 99, 100, 12345].map { ChunkKey.name(sequence: Int64($0)) }
        #expect(names == names.sorted())
        #expect(ChunkKey.sequence(ofName: "chunk-000000012345.zst") == 12345)
        #expect(ChunkKey.sequence(ofName: "index.json") == nil)
    }
}

@Suite struct ChunkIndexTests {
    func entry(_ sequence: Int64, first: Int64, count: Int64) -> ChunkIndexEntry {
        ChunkIndexEntry(
            sequence: sequence, firstLine: first, lineCount: count, firstTimestampNanos: 10 * first,
            lastTimestampNanos: 10 * (first + count - 1), compressedBytes: 100 + sequence,
            uncompressedBytes: 1000 + sequence)
    }

    @Test func addIsIdempotentAndRefusesConflicts() throws {
        var index = ChunkIndex()
        #expect(try index.add(entry(0, first: 0, count: 5)))
        #expect(try index.add(entry(1, first: 5, count: 3)))
        #expect(try index.add(entry(1, first: 5, count: 3)) == false)
        #expect(try index.add(entry(0, first: 0, count: 5)) == false)
        #expect(index.lineCount == 8 && index.nextSequence == 2)
        #expect(throws: ChunkError.self) { try index.add(entry(1, first: 5, count: 4)) }
        #expect(throws: ChunkError.self) { try index.add(entry(3, first: 8, count: 1)) }
        #expect(throws: ChunkError.self) { try index.add(entry(2, first: 9, count: 1)) }
        #expect(index.chunkPosition(containingLine: 0) == 0)
        #expect(index.chunkPosition(containingLine: 4) == 0)
        #expect(index.chunkPosition(containingLine: 5) == 1)
        #expect(index.chunkPosition(containingLine: 7) == 1)
        #expect(index.chunkPosition(containingLine: 8) == nil)
    }

    @Test func jsonListsEveryField() throws {
        var index = ChunkIndex()
        try index.add(entry(0, first: 0, count: 5))
        try index.add(entry(1, first: 5, count: 3))
        let json = String(decoding: index.encoded(), as: UTF8.self)
        #expect(
            json.hasPrefix(
                #"{"chunks":[{"compressedBytes":100,"firstLine":0,"firstTimestampNanos":0,"lastTimestampNanos":40,"#
                    + #""lineCount":5,"sequence":0,"uncompressedBytes":1000},"#))
        #expect(try ChunkIndex.decode(index.encoded(), name: "i") == index)
        #expect(index.encoded() == index.encoded())
        let error = #expect(throws: ChunkError.self) {
            try ChunkIndex.decode(Array("{}".utf8), name: "ns/r/s/c/index.json")
        }
        #expect(error?.description.contains("ns/r/s/c/index.json") == true)
        let completion = LogCompletion(index: index)
        #expect(completion.lines == 8 && completion.chunks == 2 && completion.compressedBytes == 201)
        #expect(try LogCompletion.decode(completion.encoded(), name: "c") == completion)
    }

    @Test func locationsRefuseUnsafeNames() throws {
        let location = try LogLocation(namespace: "ci", run: "r-1", step: "build", container: "step")
        #expect(location.chunkKey(sequence: 3) == "ci/r-1/build/step/chunk-000000000003.zst")
        #expect(location.indexKey == "ci/r-1/build/step/index.json")
        #expect(throws: LogStoreError.self) { try LogLocation(namespace: "ci", run: "..", step: "b", container: "c") }
        #expect(throws: LogStoreError.self) { try LogLocation(namespace: "ci", run: "a/b", step: "b", container: "c") }
        #expect(throws: LogStoreError.self) { try LogLocation(namespace: "", run: "a", step: "b", container: "c") }
    }
}
