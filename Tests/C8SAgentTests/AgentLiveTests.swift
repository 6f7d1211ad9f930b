import AsyncHTTPClient
import C8SAPI
import C8SAgent
import C8SKube
import C8SLogs
import C8STestSupport
import Foundation
import Testing

@Suite(.timeLimit(.minutes(5))) struct AgentLiveTests {
    /// `GET /v1/live/...` streams a running container's lines (masked, from the asked line, numbered as stored)
    /// as they are written, and ends after the last one once the container finished.
    @Test func liveEndpointStreamsARunningStepAndEnds() async throws {
        try await AgentCluster.with { cluster in
            try await withStore(.directory, root: cluster.root) { store, storeURL in
                try await cluster.createSecret("live", ["password": secretValue])
                try await cluster.createRun("lv")
                let gate = try Gate(directory: cluster.root)
                try await cluster.withAgent(
                    node: "node-a", store: store, storeURL: storeURL, stateDirectory: try cluster.directory("state")
                ) { agent in
                    try await cluster.createStepJob(
                        run: "lv", step: "watch", node: "node-a",
                        script: """
                            i=0; while [ $i -lt 5 ]; do echo "before $i"; i=$((i+1)); done
                            echo "password is $PASSWORD"
                            \(gate.wait)
                            i=0; while [ $i -lt 5 ]; do echo "after $i"; i=$((i+1)); done
                            """,
                        env: [.secret("PASSWORD", secretName: "live", key: "password")])
                    try await cluster.waitForStep(run: "lv", step: "watch", "the first lines stored") {
                        ($0.logs?.lines ?? 0) >= 6
                    }
                    let pod = try #require(try await cluster.pods(run: "lv", step: "watch").first?.metadata.name)

                    // Unknown Pod, unknown container, bad line number.
                    for (path, status) in [
                        ("/v1/live/default/nope/step", 404),
                        ("/v1/live/default/\(pod)/nope", 404),
                        ("/v1/live/other/\(pod)/step", 404),
                        ("/v1/live/default/\(pod)/step?from=x", 400),
                    ] {
                        let response = try await HTTPClient.shared.execute(
                            HTTPClientRequest(url: agent.baseURL + path), timeout: .seconds(10))
                        #expect(response.status.code == status, "\(path)")
                        let message = String(buffer: try await response.body.collect(upTo: 1 << 16))
                        #expect(!message.isEmpty)
                    }

                    let response = try await HTTPClient.shared.execute(
                        HTTPClientRequest(url: agent.baseURL + "/v1/live/default/\(pod)/step?from=2"),
                        timeout: .seconds(60))
                    #expect(response.status == .ok)
                    #expect(response.headers.first(name: "content-type") == "application/x-ndjson")
                    var records: [NumberedLogRecord] = []
                    var pending: [UInt8] = []
                    var gateOpened = false
                    for try await buffer in response.body {
                        pending += Array(buffer.readableBytesView)
                        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                            records.append(try NumberedLogRecord.decode(jsonLine: pending[..<newline]))
                            pending.removeSubrange(...newline)
                        }
                        // Lines 2...5 arrive while the container still runs (it waits for the gate).
                        if !gateOpened && records.count >= 4 {
                            #expect(records.map(\.lineNumber) == [2, 3, 4, 5])
                            gateOpened = true
                            await gate.open()
                        }
                    }
                    #expect(gateOpened)
                    #expect(pending.isEmpty)
                    #expect(records.map(\.lineNumber) == Array(2..<11))
                    #expect(
                        records.map(\.record.text)
                            == ["before 2", "before 3", "before 4", "password is ***"] + (0..<5).map { "after \($0)" })
                    let stored = try await storedRecords(
                        store, namespace: "default", run: "lv", step: "watch", container: "step")
                    #expect(Array(stored.dropFirst(2)) == records)
                }
            }
        }
    }
}

extension AgentLiveTests {
    /// A graceful shutdown ends a live stream of a container that is still running (and the agent stops).
    @Test func shutdownEndsOpenLiveStreams() async throws {
        try await AgentCluster.with { cluster in
            try await withStore(.directory, root: cluster.root) { store, storeURL in
                try await cluster.createRun("sd")
                let gate = try Gate(directory: cluster.root)
                let (lines, linesContinuation) = AsyncStream.makeStream(of: Int.self)
                let (ended, endedContinuation) = AsyncStream.makeStream(of: Void.self)
                let (urls, urlContinuation) = AsyncStream.makeStream(of: String.self)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        defer {
                            endedContinuation.yield()
                            endedContinuation.finish()
                        }
                        guard let url = await urls.first(where: { _ in true }) else { return }
                        let response = try await HTTPClient.shared.execute(
                            HTTPClientRequest(url: url), timeout: .seconds(120))
                        var count = 0
                        do {
                            for try await buffer in response.body {
                                count += buffer.readableBytesView.filter { $0 == UInt8(ascii: "\n") }.count
                                linesContinuation.yield(count)
                            }
                        } catch {
                            // The server may close the connection mid-body: that ends the stream too.
                        }
                    }
                    try await cluster.withAgent(
                        node: "node-a", store: store, storeURL: storeURL, stateDirectory: try cluster.directory("state")
                    ) { agent in
                        try await cluster.createStepJob(
                            run: "sd", step: "hang", node: "node-a",
                            script: "echo one; echo two; \(gate.wait); echo three")
                        try await cluster.waitForStep(run: "sd", step: "hang", "two lines stored") {
                            ($0.logs?.lines ?? 0) >= 2
                        }
                        let pod = try #require(try await cluster.pods(run: "sd", step: "hang").first?.metadata.name)
                        urlContinuation.yield(agent.baseURL + "/v1/live/default/\(pod)/step")
                        urlContinuation.finish()
                        // Both lines arrived: the stream is open on a running container when the agent stops.
                        _ = try await withDeadline(.seconds(30), "two live lines") { await lines.first { $0 >= 2 } }
                    }
                    // withAgent returned: the agent stopped; the stream ended with it.
                    _ = try await withDeadline(.seconds(30), "the live stream to end") {
                        await ended.first { _ in true }
                    }
                    await gate.open()
                    try await group.waitForAll()
                }
            }
        }
    }
}

extension AgentLiveTests {
    /// After kubelet rotated the log and removed its first files, live lines still carry the shipper's line
    /// numbers (the stream serves what is stored from the store, the rest from the files), and the stream of a
    /// finished container ends.
    @Test func liveLinesKeepTheShippersNumbersAfterRotation() async throws {
        try await AgentCluster.with(configure: {
            $0.logRotation = LogRotationPolicy(maxSize: 16 * 1024, maxFiles: 3)
        }) { cluster in
            try await withStore(.directory, root: cluster.root) { store, storeURL in
                try await cluster.createRun("rot")
                let gate = try Gate(directory: cluster.root)
                let logs = CapturedLogs()
                try await cluster.withAgent(
                    node: "node-a", store: store, storeURL: storeURL, stateDirectory: try cluster.directory("state"),
                    logs: logs
                ) { agent in
                    // The container waits until the agent follows it, then writes fast enough for kubelet to rotate
                    // and remove files (the agent holds them open).
                    try await cluster.createStepJob(
                        run: "rot", step: "big", node: "node-a",
                        script: "\(gate.wait); i=0; while [ $i -lt 1000 ]; do echo \"rot line $i\"; i=$((i+1)); done")
                    try await withDeadline(.seconds(30), "the agent to ship the container's log") {
                        await logs.waitForLine(containing: "shipping container log")
                    }
                    await gate.open()
                    let run = try await cluster.waitForCompleteLogs(run: "rot", step: "big")
                    #expect(run.status?[step: "big"]?.logs?.lines == 1000)
                    let pod = try #require(try await cluster.pods(run: "rot", step: "big").first)
                    let name = try #require(pod.metadata.name)
                    let directory = cluster.logRoot + "/default_\(name)_\(pod.metadata.uid ?? "")/step"
                    // The first lines are in no file any more (rotated away and removed).
                    var kept: [UInt8] = []
                    for file in try FileManager.default.contentsOfDirectory(atPath: directory) {
                        let path = "\(directory)/\(file)"
                        kept +=
                            file.hasSuffix(".gz")
                            ? try await gunzip(path) : Array(try Data(contentsOf: URL(fileURLWithPath: path)))
                    }
                    #expect(!kept.contains(" F rot line 0\n"))
                    #expect(kept.contains(" F rot line 999\n"))

                    for from in [0, 990] as [Int64] {
                        let response = try await HTTPClient.shared.execute(
                            HTTPClientRequest(url: agent.baseURL + "/v1/live/default/\(name)/step?from=\(from)"),
                            timeout: .seconds(60))
                        #expect(response.status == .ok)
                        let body = try await response.body.collect(upTo: 1 << 22)
                        let records = try body.readableBytesView.split(separator: UInt8(ascii: "\n"))
                            .map { try NumberedLogRecord.decode(jsonLine: $0) }
                        #expect(records.map(\.lineNumber) == Array(from..<1000))
                        #expect(records.allSatisfy { $0.record.text == "rot line \($0.lineNumber)" })
                    }
                }
            }
        }
    }
}

/// The bytes of a gzipped file (the `gzip` tool).
func gunzip(_ path: String) async throws -> [UInt8] {
    let result = try await ChildProcess.run("gzip", ["-dc", path])
    return Array(result.standardOutput)
}
