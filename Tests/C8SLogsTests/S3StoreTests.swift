import C8SCommon
import C8STestSupport
import Foundation
import Testing

@testable import C8SLogs

/// Starts one SeaweedFS server for a whole suite and shuts it down afterwards.
struct SeaweedFSTrait: SuiteTrait, TestScoping {
    @TaskLocal static var server: SeaweedFSServer?

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let server = try await SeaweedFSServer.start()
        do {
            try await Self.$server.withValue(server) { try await function() }
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }
}

extension Trait where Self == SeaweedFSTrait {
    /// A SeaweedFS server shared by the suite's tests (each uses its own key prefix).
    static var seaweedFS: Self { .init() }
}

func s3Configuration(
    _ server: SeaweedFSServer, prefix: String = "t-\(UUID().uuidString.prefix(8))", secret: String? = nil
) -> S3Configuration {
    S3Configuration(
        endpoint: server.endpoint, bucket: server.bucket, prefix: prefix,
        credentials: .fixed(S3Credentials(accessKeyID: server.accessKey, secretAccessKey: secret ?? server.secretKey)),
        connectTimeoutMillis: 2000, requestTimeoutMillis: 30_000, maxAttempts: 3, initialBackoffMillis: 20,
        maxBackoffMillis: 200)
}

@Suite(.seaweedFS, .timeLimit(.minutes(5))) struct S3LogStoreTests {
    var server: SeaweedFSServer { SeaweedFSTrait.server! }

    @Test func putGetRangeListWithContinuationDelete() async throws {
        var config = s3Configuration(server)
        config.listPageSize = 2
        let store = try S3LogStore(configuration: config)
        #expect(try await store.get("missing/key") == nil)
        let keys = (0..<7).map { "ns/run/step/c/chunk-\($0).zst" } + ["ns/run/other/c/index.json", "ns/runner/x"]
        for (i, key) in keys.enumerated() {
            #expect(try await store.put(key, Array("object \(i) payload".utf8)) == .stored)
        }
        #expect(try await store.get(keys[3]) == Array("object 3 payload".utf8))
        #expect(try await store.get(keys[3], range: 9..<16) == Array("payload".utf8))
        #expect(try await store.get(keys[3], range: 9..<1000) == Array("payload".utf8))
        let listed = try await store.list(prefix: "ns/run/step/")
        #expect(listed.map(\.key) == keys[0..<7].sorted())
        #expect(listed.allSatisfy { $0.size == 16 })
        #expect(try await store.list(prefix: "ns/run").count == 9)
        #expect(try await store.list(prefix: "ns/run/").count == 8)
        try await store.delete(keys[0])
        try await store.delete(keys[0])
        #expect(try await store.get(keys[0]) == nil)
        #expect(try await store.list(prefix: "ns/run/step/").count == 6)
    }

    @Test func largeObjectsUseMultipartUpload() async throws {
        var config = s3Configuration(server)
        config.multipartThreshold = 8 << 20
        config.partSize = 5 << 20
        let store = try S3LogStore(configuration: config)
        var generator = SystemRandomNumberGenerator()
        let data = (0..<(13 << 20) / 8).flatMap { _ in withUnsafeBytes(of: generator.next() as UInt64) { Array($0) } }
        #expect(try await store.put("big/object", data) == .stored)
        let back = try #require(try await store.get("big/object"))
        #expect(back.count == data.count)
        #expect(back == data)
        #expect(
            try await store.get("big/object", range: (6 << 20)..<((6 << 20) + 100))
                == Array(data[(6 << 20)..<((6 << 20) + 100)]))
        #expect(try await store.list(prefix: "big/").map(\.size) == [data.count])
    }

    @Test func wrongSecretGivesAClear403() async throws {
        let store = try S3LogStore(configuration: s3Configuration(server, secret: "not-the-secret"))
        let error = try #require(
            await #expect(throws: LogStoreError.self) {
                try await store.put("ns/run/step/c/index.json", [1, 2, 3])
            })
        #expect(error.status == 403)
        #expect(error.isForbidden)
        #expect(error.s3Code == "SignatureDoesNotMatch")
        #expect(error.description.contains("PUT ns/run/step/c/index.json"))
        #expect(error.description.contains("HTTP 403"))
        #expect(!error.description.contains("not-the-secret"))
        #expect(!error.description.contains(server.secretKey))
    }

    @Test func writerAndReaderOverS3() async throws {
        let store = try S3LogStore(configuration: s3Configuration(server))
        let location = try LogLocation(namespace: "ci", run: "r1", step: "build", container: "step")
        let writer = LogWriter(
            store: store, location: location, configuration: ChunkerConfiguration(maxUncompressedBytes: 4096))
        let records = ChunkTestSupport.records(1200)
        try await writer.append(contentsOf: records)
        let completion = try await writer.finish()
        #expect(completion.lines == 1200)
        let reader = LogReader(store: store, location: location)
        var all: [LogRecord] = []
        for try await record in reader.records() { all.append(record.record) }
        #expect(all == records)
        var tail: [Int64] = []
        for try await record in reader.tail(10) { tail.append(record.lineNumber) }
        #expect(tail == Array(1190..<1200))
        #expect(try await reader.completion() == completion)
    }
}

@Suite(.timeLimit(.minutes(5))) struct S3OutageTests {
    @Test func outageSpoolsInOrderAndEverythingArrivesAfterRestart() async throws {
        try await SeaweedFSServer.withServer { server in
            let spool = try ChunkTestSupport.temporaryDirectory("c8s-spool")
            defer { try? FileManager.default.removeItem(atPath: spool) }
            var config = s3Configuration(server)
            config.spoolDirectory = spool
            config.maxAttempts = 2
            config.connectTimeoutMillis = 1000
            let store = try S3LogStore(configuration: config)
            let location = try LogLocation(namespace: "ci", run: "outage", step: "build", container: "step")
            let records = ChunkTestSupport.records(3000)
            let chunking = ChunkerConfiguration(maxUncompressedBytes: 4096)

            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await store.run() }
                let writer = LogWriter(store: store, location: location, configuration: chunking)
                try await writer.append(contentsOf: Array(records[0..<1000]), firstLineNumber: 0)
                try await store.put("marker", Array("0".utf8))
                #expect(await writer.hasSpooledPuts == false)
                await server.stop()
                try await writer.append(contentsOf: Array(records[1000..<2000]), firstLineNumber: 1000)
                for i in 1...20 { #expect(try await store.put("marker", Array("\(i)".utf8)) == .spooled) }
                #expect(await writer.hasSpooledPuts)
                #expect(await store.spooledCount() > 20)
                // Reads see the spooled index while S3 is away.
                let spooledIndex = try await LogReader(store: store, location: location).index()
                #expect(spooledIndex.lineCount > 1000)
                try await server.restart()
                await store.waitUntilSpoolDrained()
                #expect(await store.spooledCount() == 0)
                try await writer.append(contentsOf: Array(records[2000...]), firstLineNumber: 2000)
                try await writer.finish()
                group.cancelAll()
            }

            // Everything arrived, in order: the last spooled value of an overwritten key wins, and the log is whole.
            let fresh = try S3LogStore(configuration: s3Configuration(server, prefix: config.prefix))
            #expect(try await fresh.get("marker") == Array("20".utf8))
            var lines: [Int64] = []
            var got: [LogRecord] = []
            for try await record in LogReader(store: fresh, location: location).records() {
                lines.append(record.lineNumber)
                got.append(record.record)
            }
            #expect(lines == Array(0..<3000))
            #expect(got == records)
            #expect(try await LogReader(store: fresh, location: location).completion()?.lines == 3000)
        }
    }

    @Test func fullSpoolIsAClearError() async throws {
        let spool = try ChunkTestSupport.temporaryDirectory("c8s-spool")
        defer { try? FileManager.default.removeItem(atPath: spool) }
        // Port 1 on loopback: nothing listens, connections are refused at once.
        let config = S3Configuration(
            endpoint: "http://127.0.0.1:1", bucket: "b",
            credentials: .fixed(S3Credentials(accessKeyID: "a", secretAccessKey: "s")), maxAttempts: 2,
            initialBackoffMillis: 1, maxBackoffMillis: 2, spoolDirectory: spool, spoolMaxBytes: 1000)
        let store = try S3LogStore(configuration: config)
        #expect(try await store.put("k/one", [UInt8](repeating: 1, count: 600)) == .spooled)
        let error = try #require(
            await #expect(throws: LogStoreError.self) {
                try await store.put("k/two", [UInt8](repeating: 2, count: 600))
            })
        #expect(error.isSpoolFull)
        #expect(error.description.contains("PUT k/two"))
        #expect(error.description.contains("spool"))
        // A store reopened on the same spool directory finds the waiting put.
        let reopened = try S3LogStore(configuration: config)
        #expect(await reopened.spooledCount() == 1)
        #expect(try await reopened.get("k/one") == [UInt8](repeating: 1, count: 600))
    }

    @Test func credentialsFromFilesAndEnvironment() throws {
        let dir = try ChunkTestSupport.temporaryDirectory("c8s-creds")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "AKDIR\n".write(toFile: dir + "/accesskey", atomically: true, encoding: .utf8)
        try "SKDIR\n".write(toFile: dir + "/secretkey", atomically: true, encoding: .utf8)
        #expect(
            try S3CredentialSource.directory(dir).resolve()
                == S3Credentials(accessKeyID: "AKDIR", secretAccessKey: "SKDIR"))
        try """
        [default]
        aws_access_key_id = AKDEF
        aws_secret_access_key = SKDEF
        [profile ci]
        aws_access_key_id=AKCI
        aws_secret_access_key=SKCI
        """.write(toFile: dir + "/credentials", atomically: true, encoding: .utf8)
        #expect(
            try S3CredentialSource.sharedFile(path: dir + "/credentials", profile: "ci").resolve().accessKeyID == "AKCI"
        )
        let env = ["AWS_SHARED_CREDENTIALS_FILE": dir + "/credentials"]
        #expect(try S3CredentialSource.default.resolve(environment: env).secretAccessKey == "SKDEF")
        let both = ["AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "SKENV"]
        #expect(try S3CredentialSource.default.resolve(environment: both).accessKeyID == "AKENV")
        let error = #expect(throws: LogStoreError.self) { try S3CredentialSource.environment.resolve(environment: [:]) }
        #expect(error?.description.contains("AWS_ACCESS_KEY_ID") == true)
        #expect(!"\(S3Credentials(accessKeyID: "A", secretAccessKey: "topsecret"))".contains("topsecret"))
    }

    @Test func xmlPiecesAreDecoded() {
        let xml = """
            <ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>a/&lt;b&gt;&amp;&#34;c&#x27;</Key>\
            <Size>12</Size></Contents><Contents><Key>z</Key><Size>1</Size></Contents>\
            <NextContinuationToken>tok/en=</NextContinuationToken><KeyCount>2</KeyCount></ListBucketResult>
            """
        let page = S3XML.parseListPage(xml[...])
        #expect(page.objects.map(\.key) == ["a/<b>&\"c'", "z"])
        #expect(page.objects.map(\.size) == [12, 1])
        #expect(page.isTruncated)
        #expect(page.nextContinuationToken == "tok/en=")
        #expect(PercentEncoding.encode("a b/c~d", keepingSlash: true) == "a%20b/c~d")
        #expect(PercentEncoding.encode("tok/en=") == "tok%2Fen%3D")
    }
}
