import AsyncHTTPClient
import C8SLogs
import C8STestSupport
import Foundation
import NIOCore
import Testing

/// The REST API's step log download streams a log of many chunks chunk by chunk (the dashboard's "raw log" link is
/// this download), and `tail` reads only the index and the last chunk(s) of a log on SeaweedFS.
@Suite(.timeLimit(.minutes(10))) struct APILogStreamingTests {
    static let path = "/api/v1/namespaces/team-a/pipelineruns/big/steps/build/log"

    /// Downloads `path` into the file `file`, streaming (never holding the whole body); returns the status.
    static func download(_ h: APIHarness, _ path: String, to file: String) async throws -> Int {
        var request = HTTPClientRequest(url: h.base + path)
        request.headers.add(name: "Authorization", value: "Bearer alice-token")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(300))
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: file))
        defer { try? handle.close() }
        for try await buffer in response.body { try handle.write(contentsOf: buffer.readableBytesView) }
        return Int(response.status.code)
    }

    static func location() throws -> LogLocation {
        try LogLocation(namespace: "team-a", run: "big", step: "build", container: "step")
    }

    @Test func aLogOfManyChunksDownloadsByteForByte() async throws {
        try await APIHarness.with { h in
            try await h.createRun("big", pod: "big-build-x", phase: .succeeded)
            let log = GeneratedStoredLog(approximateBytes: 24 << 20, chunkBytes: 256 << 10)
            let index = try await log.store(in: h.store, location: try Self.location())
            #expect(index.chunks.count > 80)
            let file = h.logRoot + "/download.txt"
            // The dashboard's "raw log" link: the text download of the step's container.
            #expect(try await Self.download(h, Self.path + "?container=step", to: file) == 200)
            #expect(try log.mismatch(file: file, lines: 0..<log.lines) == nil)
            #expect(try await Self.download(h, Self.path + "?from=12345&to=67890", to: file) == 200)
            #expect(try log.mismatch(file: file, lines: 12345..<67890) == nil)
        }
    }

    @Test func tailOfALogOnSeaweedFSReadsTheIndexAndAtMostTwoChunks() async throws {
        try await SeaweedFSServer.withServer { server in
            let s3 = try S3LogStore(
                configuration: S3Configuration(
                    endpoint: server.endpoint, bucket: server.bucket, prefix: "tail",
                    credentials: .fixed(
                        S3Credentials(accessKeyID: server.accessKey, secretAccessKey: server.secretKey)),
                    connectTimeoutMillis: 2000, requestTimeoutMillis: 30_000, maxAttempts: 3))
            let store = CountingLogStore(s3)
            // 120 chunks of 1,000 lines and a last chunk of 50: the last 100 lines span the last two chunks.
            let log = GeneratedStoredLog(lines: 120_050, linesPerChunk: 1000, fillerBytes: 40)
            try await log.store(in: store, location: try Self.location())
            try await APIHarness.with(logStore: store) { h in
                try await h.createRun("big", pod: "big-build-x", phase: .succeeded)
                let file = h.logRoot + "/tail.txt"
                for (tail, chunks) in [(100, 2), (30, 1)] {
                    store.reset()
                    #expect(try await Self.download(h, Self.path + "?tail=\(tail)", to: file) == 200)
                    #expect(try log.mismatch(file: file, lines: log.lines - tail..<log.lines) == nil)
                    #expect(store.chunkGets == chunks, "\(store.getKeys)")
                    // Besides the chunks: the index and the completion marker, once each.
                    #expect(store.getKeys.count == chunks + 2, "\(store.getKeys)")
                }
            }
        }
    }
}
