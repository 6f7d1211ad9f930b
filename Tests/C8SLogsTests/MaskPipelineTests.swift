import Foundation
import Logging
import Testing

@testable import C8SLogs

/// The masker in the log pipeline (as the agent runs it): records are masked line by line per stream, so a form
/// wrapped over many CRI lines is stored, and served live, masked on every line.
@Suite("Secret masker in the log pipeline")
struct MaskPipelineTests {
    let logger = Logger(label: "test.mask.pipeline")

    @Test func wrappedBase64OverManyLinesIsStoredAndServedMasked() async throws {
        let root = try ChunkTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let secret = MaskFormsTests.longSecret
        let masker = SecretMasker(secrets: [.init(name: "sa.key", value: secret)])
        let wrapped = MaskCorpus.wrap(Data(secret.utf8).base64EncodedString(), width: 76, lineBreak: "\n")
            .split(separator: "\n").map(String.init)
        var input: [LogRecord] = []
        var time: Int64 = 1_795_564_235_000_000_000
        func add(_ text: String, _ stream: LogRecord.Stream) {
            input.append(LogRecord(timestampNanos: time, stream: stream, text: text))
            time += 1000
        }
        add("$ base64 key.json", .stdout)
        for (index, line) in wrapped.enumerated() {
            add(line, .stdout)
            if index % 5 == 2 { add("warning: progress \(index)", .stderr) }  // the other stream interleaves
        }
        add("done", .stdout)
        try PipelineTests.writeCRI(input, to: root + "/pod/c", maxFragmentBytes: 50)
        let store = DirectoryLogStore(root: root + "/store")
        let location = try LogLocation(namespace: "ns", run: "r1", step: "build", container: "c")
        let shipper = LogShipper(
            directory: root + "/pod/c", location: location, store: store, checkpointPath: nil, masker: masker,
            logger: logger)
        shipper.finish()
        try await LogTailer.withLogTailer(logger: logger) { tailer in
            _ = try await shipper.run(tailer: tailer)
            // served live from the CRI files, from line 3 on
            let live = CRIDirectoryLiveSource(tailer: tailer, directory: root + "/pod/c", masker: masker)
            var served: [NumberedLogRecord] = []
            live.finish()
            let stream = try await live.records(from: 3)
            for try await record in stream { served.append(record) }
            #expect(served.count == input.count - 3)
            #expect(served.filter { $0.record.stream == .stdout }.dropLast().allSatisfy { $0.record.text == "***" })
        }
        var stored: [LogRecord] = []
        for try await record in LogReader(store: store, location: location).records() { stored.append(record.record) }
        #expect(stored.count == input.count)
        #expect(stored.first?.text == "$ base64 key.json")
        #expect(stored.last?.text == "done")
        let out = stored.filter { $0.stream == .stdout }.dropFirst().dropLast()
        #expect(out.count == wrapped.count)
        #expect(out.allSatisfy { $0.text == "***" })
        #expect(stored.filter { $0.stream == .stderr }.allSatisfy { $0.text.hasPrefix("warning: progress") })
    }
}
