import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import Synchronization
import Testing

@testable import C8SKube

/// A tiny HTTP server whose answers a test scripts, for what the in-memory API server does not do
/// (throttling, authentication).
struct ScriptedServer: Sendable {
    struct Seen: Sendable {
        var authorizations: [String] = []
        var paths: [String] = []
    }

    let seen = Locked(Seen())
    var tls: TLSConfiguration? = nil
    let respond: @Sendable (_ index: Int, _ path: String) -> (Int, [String: String], String)

    init(
        tls: TLSConfiguration? = nil,
        respond: @escaping @Sendable (_ index: Int, _ path: String) -> (Int, [String: String], String)
    ) {
        self.tls = tls
        self.respond = respond
    }

    func run<T: Sendable>(_ body: @escaping @Sendable (Int) async throws -> T) async throws -> T {
        let seen = self.seen
        let respond = self.respond
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            let index = seen.withLock { seen in
                seen.authorizations.append(request.headers[.authorization] ?? "")
                seen.paths.append(request.uri.description)
                return seen.paths.count
            }
            let (status, headers, text) = respond(index, request.uri.path)
            var fields: HTTPFields = [.contentType: "application/json"]
            if let retryAfter = headers["Retry-After"] { fields[.retryAfter] = retryAfter }
            return Response(
                status: .init(code: status), headers: fields,
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            responder: responder, server: try tls.map { try .tls(tlsConfiguration: $0) } ?? .http1(),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: Logger(label: "scripted-server"))
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await app.run()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let result = try await body(port)
            group.cancelAll()
            return result
        }
    }
}

@Suite struct ScriptedServerTests {
    static let podJSON =
        #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","resourceVersion":"1"}}"#

    @Test func throttledRequestsWaitForRetryAfter() async throws {
        let server = ScriptedServer { index, _ in
            index == 1
                ? (
                    429, ["Retry-After": "1"],
                    #"{"kind":"Status","status":"Failure","reason":"TooManyRequests","message":"slow down","code":429}"#
                )
                : (200, [:], Self.podJSON)
        }
        try await server.run { port in
            let configuration = KubeClientConfiguration(
                server: "http://127.0.0.1:\(port)", credentials: .token("fixed"))
            try await withKubeClient(configuration: configuration) { client in
                let start = ContinuousClock.now
                let pod = try await client.get(Pod.self, name: "p")
                #expect(pod.metadata.name == "p")
                #expect(ContinuousClock.now - start >= .milliseconds(950))
            }
            var noRetries = configuration
            noRetries.maxRetriesOnTooManyRequests = 0
            try await withKubeClient(configuration: noRetries) { client in
                _ = try await client.get(Pod.self, name: "p")
            }
        }
        #expect(server.seen.withLock { $0.paths } == Array(repeating: "/api/v1/namespaces/default/pods/p", count: 3))
        #expect(server.seen.withLock { $0.authorizations }.allSatisfy { $0 == "Bearer fixed" })

        let alwaysThrottled = ScriptedServer { _, _ in
            (
                429, ["Retry-After": "0"],
                #"{"kind":"Status","reason":"TooManyRequests","message":"slow down","code":429}"#
            )
        }
        try await alwaysThrottled.run { port in
            var configuration = KubeClientConfiguration(server: "http://127.0.0.1:\(port)")
            configuration.maxRetriesOnTooManyRequests = 2
            try await withKubeClient(configuration: configuration) { client in
                do {
                    _ = try await client.get(Pod.self, name: "p")
                    Issue.record("a throttled request succeeded")
                } catch let error as KubeError {
                    #expect(error.code == .tooManyRequests)
                    #expect(error.retryAfter == .zero)
                }
            }
        }
        #expect(alwaysThrottled.seen.withLock { $0.paths.count } == 3)
    }

    @Test func inClusterClientSendsTheRotatedToken() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sa-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let tokenURL = directory.appendingPathComponent("token")
        try "token-one".write(to: tokenURL, atomically: true, encoding: .utf8)
        try "ci".write(to: directory.appendingPathComponent("namespace"), atomically: true, encoding: .utf8)
        let server = ScriptedServer { _, path in
            path.hasPrefix("/api/v1/namespaces/ci/") ? (200, [:], Self.podJSON) : (404, [:], "{}")
        }
        try await server.run { port in
            var configuration = try KubeClientConfiguration.inCluster(
                environment: ["KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": "\(port)"],
                serviceAccountDirectory: directory.path)
            // The test server speaks plain HTTP; everything else comes from the service-account directory.
            configuration.server = "http://127.0.0.1:\(port)"
            try await withKubeClient(configuration: configuration) { client in
                _ = try await client.get(Pod.self, name: "p")
                try "token-two-rotated".write(to: tokenURL, atomically: true, encoding: .utf8)
                _ = try await client.get(Pod.self, name: "p")
            }
        }
        #expect(server.seen.withLock { $0.authorizations } == ["Bearer token-one", "Bearer token-two-rotated"])
    }
}
