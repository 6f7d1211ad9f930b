import AsyncHTTPClient
import C8SAPI
import C8SCoordinator
import C8SKube
import C8SLogs
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

/// A stand-in for the node agent's live endpoint: `GET /v1/live/{ns}/{pod}/{container}?from=N` streams the CRI
/// directory's records as NDJSON (from a `CRIDirectoryLiveSource`), and counts what it served.
final class FakeAgent: Sendable {
    let source: CRIDirectoryLiveSource
    let pod: String
    private let counters = Mutex((requests: 0, records: 0, froms: [Int64]()))

    init(source: CRIDirectoryLiveSource, pod: String) {
        self.source = source
        self.pod = pod
    }

    var requests: Int { counters.withLock { $0.requests } }
    var recordsServed: Int { counters.withLock { $0.records } }

    /// Runs `body` with the agent listening on a free port.
    func serve<T: Sendable>(_ body: @escaping @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.get("/v1/live/:namespace/:pod/:container") { [self] request, context -> Response in
            guard context.parameters.get("pod") == pod, context.parameters.get("container") == "step" else {
                return Response(status: .notFound)
            }
            let from = Int64(request.uri.queryParameters.get("from") ?? "0") ?? 0
            counters.withLock {
                $0.requests += 1
                $0.froms.append(from)
            }
            let records = try await source.records(from: from)
            return Response(
                status: .ok, headers: [.contentType: "application/x-ndjson"],
                body: ResponseBody { [self] writer in
                    for try await record in records {
                        counters.withLock { $0.records += 1 }
                        try await writer.write(ByteBuffer(bytes: record.jsonLine()))
                    }
                    try await writer.finish(nil)
                })
        }
        let app = Application(router: router, logger: quietLogger)
        return try await app.test(.live) { client in try await body(try #require(client.port)) }
    }
}

@Suite("REST API: step logs")
struct APILogTests {
    static let start: Int64 = 1_764_000_000_000_000_000

    static func records(_ count: Int, from first: Int = 0) -> [LogRecord] {
        (first..<first + count).map { index in
            LogRecord(
                timestampNanos: start + Int64(index) * 1_000_000, stream: index % 5 == 0 ? .stderr : .stdout,
                text: "line \(index) of the build log")
        }
    }

    /// Stores `records` as a complete log of `team-a/run/step/step`.
    static func store(_ records: [LogRecord], in h: APIHarness, run: String, step: String = "build") async throws {
        let location = try LogLocation(namespace: "team-a", run: run, step: step, container: "step")
        let writer = LogWriter(
            store: h.store, location: location, configuration: .init(maxUncompressedBytes: 300), logger: quietLogger)
        try await writer.resume()
        try await writer.append(contentsOf: records)
        _ = try await writer.finish()
    }

    @Test func storedLogWholeTailNDJSONAndTimestamps() async throws {
        try await APIHarness.with { h in
            let input = Self.records(25)
            try await h.createRun("r1", pod: "r1-build-x", phase: .succeeded)
            try await Self.store(input, in: h, run: "r1")
            let path = "/api/v1/namespaces/team-a/pipelineruns/r1/steps/build/log"

            let whole = try await h.get(path)
            #expect(whole.status == 200)
            #expect(whole.headers.first(name: "Content-Type")?.hasPrefix("text/plain") == true)
            #expect(whole.text == input.map { $0.text + "\n" }.joined())

            let tail = try await h.get(path + "?tail=3")
            #expect(tail.text == input.suffix(3).map { $0.text + "\n" }.joined())

            let stamped = try await h.get(path + "?tail=2&timestamps=true")
            let format = LogLineFormat(timestamps: true)
            #expect(stamped.text == input.suffix(2).map { format.format($0) + "\n" }.joined())
            #expect(stamped.text.hasPrefix("2025-11-24T"))

            let ndjson = try await h.get(path + "?format=ndjson&tail=4")
            #expect(ndjson.headers.first(name: "Content-Type") == "application/x-ndjson")
            let lines = ndjson.text.split(separator: "\n").map {
                try? NumberedLogRecord.decode(jsonLine: Array($0.utf8))
            }
            #expect(lines.map { $0?.lineNumber } == [21, 22, 23, 24])
            #expect(lines.map { $0?.record } == Array(input.suffix(4)))

            // A follow of a complete log sends what is stored and ends.
            let followed = try await h.get(path + "?follow=true&tail=2")
            #expect(followed.status == 200)
            #expect(followed.text == input.suffix(2).map { $0.text + "\n" }.joined())

            let bad = try await h.get(path + "?format=yaml")
            #expect(bad.status == 400)
            #expect(bad.json["message"]?.stringValue == "format must be text, ndjson or html, not \"yaml\"")
            let noStep = try await h.get("/api/v1/namespaces/team-a/pipelineruns/r1/steps/deploy/log")
            #expect(noStep.status == 404)
            #expect(noStep.json["message"]?.stringValue?.contains("has no step \"deploy\"") == true)
        }
    }

    @Test func aStepThatHasNotStartedIs404WithoutFollow() async throws {
        try await APIHarness.with { h in
            try await h.createRun("r2", pod: nil, phase: .pending)
            let reply = try await h.get("/api/v1/namespaces/team-a/pipelineruns/r2/steps/build/log")
            #expect(reply.status == 404)
            #expect(
                reply.json["message"]?.stringValue
                    == "step \"build\" of pipelinerun \"r2\" in namespace \"team-a\" has not started yet")
            let noRun = try await h.get("/api/v1/namespaces/team-a/pipelineruns/ghost/steps/build/log")
            #expect(noRun.status == 404)
            #expect(noRun.json["message"]?.stringValue == "pipelinerun \"ghost\" not found in namespace \"team-a\"")
        }
    }

    /// A follow of a step that never starts (the run ends first, the step skipped) ends without lines.
    @Test func followEndsWhenTheStepCanNoLongerStart() async throws {
        try await APIHarness.with { h in
            let run = try await h.createRun("r4", pod: nil, phase: .pending)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    let reply = try await h.get("/api/v1/namespaces/team-a/pipelineruns/r4/steps/build/log?follow=true")
                    #expect(reply.status == 200)
                    #expect(reply.bytes.isEmpty)
                }
                var ended = try await h.setStep(run, "build", pod: nil, phase: .skipped)
                ended.status?.phase = .failed
                _ = try await h.client.updateStatus(ended)
                try await group.waitForAll()
            }
        }
    }

    /// A follow started before the step runs waits for it, then merges stored chunks with the agent's live lines
    /// (each line once, in order) and ends when the log is complete.
    @Test func followWaitsMergesLiveLinesAndEndsAtCompletion() async throws {
        try await APIHarness.with { h in
            let podName = "r3-build-abcde"
            let directory = h.logRoot + "/pods/team-a_\(podName)_uid/step"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let file = directory + "/0.log"
            FileManager.default.createFile(atPath: file, contents: nil)
            let first = Self.records(40)
            let second = Self.records(40, from: 40)
            let location = try LogLocation(namespace: "team-a", run: "r3", step: "build", container: "step")
            let run = try await h.createRun("r3", pod: nil, phase: .pending)

            let (received, agentRequests, liveRecords) = try await LogTailer.withLogTailer(logger: quietLogger) {
                tailer in
                let live = CRIDirectoryLiveSource(tailer: tailer, directory: directory)
                let agent = FakeAgent(source: live, pod: podName)
                let shipper = LogShipper(
                    directory: directory, location: location, store: h.store, checkpointPath: nil, masker: nil,
                    configuration: .init(chunker: .init(maxUncompressedBytes: 800, maxAgeNanos: 1 << 60)),
                    logger: quietLogger)
                return try await agent.serve { agentPort in
                    var request = HTTPClientRequest(
                        url: h.base
                            + "/api/v1/namespaces/team-a/pipelineruns/r3/steps/build/log?follow=true&format=ndjson")
                    request.headers.add(name: "Authorization", value: "Bearer alice-token")
                    let followRequest = request
                    let (lines, linesContinuation) = AsyncStream.makeStream(of: NumberedLogRecord.self)
                    return try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            defer { linesContinuation.finish() }
                            let response = try await HTTPClient.shared.execute(followRequest, timeout: .seconds(120))
                            #expect(response.status == .ok)
                            var pending: [UInt8] = []
                            for try await buffer in response.body {
                                pending += buffer.readableBytesView
                                while let newline = pending.firstIndex(of: 0x0A) {
                                    linesContinuation.yield(try NumberedLogRecord.decode(jsonLine: pending[..<newline]))
                                    pending.removeSubrange(...newline)
                                }
                            }
                        }
                        group.addTask {
                            try await shipper.run(tailer: tailer)
                            live.finish()
                        }
                        // The step starts: its Pod, annotated by the agent, and the run's status naming it.
                        _ = try await h.client.create(
                            Pod(
                                metadata: ObjectMeta(
                                    name: podName, namespace: "team-a",
                                    labels: [C8SLabels.pipelineRun: "r3", C8SLabels.step: "build"],
                                    annotations: [C8SAnnotations.agentURL: "http://127.0.0.1:\(agentPort)"]),
                                spec: PodSpec(
                                    containers: [Container(name: "step", image: "alpine")], restartPolicy: "Never")))
                        try await h.setStep(run, "build", pod: podName, phase: .running)
                        let writer = CRIWriter()
                        let handle = try #require(FileHandle(forWritingAtPath: file))
                        for record in first { handle.write(Data(writer.encode(record))) }

                        var collected: [NumberedLogRecord] = []
                        var iterator = lines.makeAsyncIterator()
                        while collected.count < first.count, let record = await iterator.next() {
                            collected.append(record)
                        }
                        for record in second { handle.write(Data(writer.encode(record))) }
                        try handle.close()
                        shipper.finish()
                        while let record = await iterator.next() { collected.append(record) }
                        for try await _ in group {}
                        return (collected, agent.requests, agent.recordsServed)
                    }
                }
            }
            let all = first + second
            #expect(received.map(\.lineNumber) == Array(0..<Int64(all.count)))
            #expect(received.map(\.record) == all)
            #expect(try await LogReader(store: h.store, location: location).completion()?.lines == Int64(all.count))
            // The follow asked the step's agent (found through the Pod annotation) for the lines not yet stored.
            #expect(agentRequests >= 1)
            #expect(liveRecords >= 1)
        }
    }
}
