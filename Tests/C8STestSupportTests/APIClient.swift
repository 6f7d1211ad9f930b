import AsyncHTTPClient
import C8SKube
import C8STestSupport
import Foundation
import NIOCore
import NIOHTTP1

/// A minimal raw-JSON HTTP client for exercising the test API server the way any Kubernetes client would.
struct APIClient: Sendable {
    struct Reply: Sendable {
        var status: Int
        var body: JSONValue
        var headers: HTTPHeaders
    }

    let baseURL: String

    init(_ server: TestAPIServer) {
        baseURL = server.baseURL.absoluteString
    }

    func send(
        _ method: HTTPMethod, _ path: String, _ body: JSONValue? = nil, rawBody: String? = nil,
        contentType: String = "application/json", accept: String = "application/json"
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Accept", value: accept)
        if let text = rawBody ?? body?.serialized {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(string: text))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let parsed = bytes.readableBytes == 0 ? JSONValue.null : try JSONValue(parsing: Array(bytes.readableBytesView))
        return Reply(status: Int(response.status.code), body: parsed, headers: response.headers)
    }

    func get(_ path: String) async throws -> Reply { try await send(.GET, path) }
    func post(_ path: String, _ body: JSONValue) async throws -> Reply { try await send(.POST, path, body) }
    func put(_ path: String, _ body: JSONValue) async throws -> Reply { try await send(.PUT, path, body) }
    func delete(_ path: String, _ body: JSONValue? = nil) async throws -> Reply {
        try await send(.DELETE, path, body)
    }
    func mergePatch(_ path: String, _ body: JSONValue) async throws -> Reply {
        try await send(.PATCH, path, body, contentType: "application/merge-patch+json")
    }

    /// Opens a watch and hands `body` the decoded frames as they arrive; the stream ends when the server ends
    /// the response. Always pass `timeoutSeconds` in `path` so a failing test cannot hang.
    func withWatch<T: Sendable>(
        _ path: String, _ body: @Sendable (AsyncStream<JSONValue>) async throws -> T
    ) async throws -> T {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .GET
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let (stream, continuation) = AsyncStream<JSONValue>.makeStream()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { continuation.finish() }
                var pending: [UInt8] = []
                for try await buffer in response.body {
                    pending.append(contentsOf: buffer.readableBytesView)
                    while let newline = pending.firstIndex(of: 0x0A) {
                        let line = Array(pending[..<newline])
                        pending.removeFirst(newline + 1)
                        if !line.isEmpty { continuation.yield(try JSONValue(parsing: line)) }
                    }
                }
            }
            let result = try await body(stream)
            group.cancelAll()
            return result
        }
    }
}

/// Reads frames until one satisfies `predicate` (nil when the stream ends first).
func nextFrame(
    _ iterator: inout AsyncStream<JSONValue>.Iterator, where predicate: (JSONValue) -> Bool = { _ in true }
) async -> JSONValue? {
    while let frame = await iterator.next() {
        if predicate(frame) { return frame }
    }
    return nil
}

/// A namespaced object body.
func object(
    _ apiVersion: String, _ kind: String, _ name: String, namespace: String? = "default",
    labels: [String: String] = [:], extra: [String: JSONValue] = [:]
) -> JSONValue {
    var metadata: [String: JSONValue] = ["name": .string(name)]
    if let namespace { metadata["namespace"] = .string(namespace) }
    if !labels.isEmpty { metadata["labels"] = .object(labels.mapValues { .string($0) }) }
    var members: [String: JSONValue] = [
        "apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": .object(metadata),
    ]
    for (key, value) in extra { members[key] = value }
    return .object(members)
}

/// The repository's config/ directory.
let configDirectory: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.appendingPathComponent("config").path
}()

extension JSONValue {
    func at(_ path: String...) -> JSONValue? { self[path: path] }
}
