import C8SLogs
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization
import Testing

/// Runs a Hummingbird server on a free loopback port answering with `respond`, for `body` with its port.
func withTestHTTPServer<T: Sendable>(
    respond: @escaping @Sendable (Request) async throws -> Response,
    _ body: @escaping @Sendable (Int) async throws -> T
) async throws -> T {
    let responder = CallbackResponder<BasicRequestContext> { request, _ in try await respond(request) }
    let (ports, portContinuation) = AsyncStream<Int>.makeStream()
    var logger = Logger(label: "c8s.test.http")
    logger.logLevel = .critical
    let app = Application(
        responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        },
        logger: logger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await app.run()
            return nil
        }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        do {
            let result = try await body(port)
            group.cancelAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

/// A server that answers every request with `status` and the JSON `body` (an API server that forbids everything).
func withStaticServer<T: Sendable>(
    status: Int, body text: String, _ body: @escaping @Sendable (Int) async throws -> T
) async throws -> T {
    try await withTestHTTPServer(
        respond: { _ in
            Response(
                status: .init(code: status), headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }, body)
}

/// A stand-in for the coordinator's log API contract:
/// `GET /api/v1/namespaces/{ns}/pipelineruns/{run}/steps/{step}/log?container=step&tail=N&follow=true&format=ndjson`
/// with `Authorization: Bearer <token>`, NDJSON records, and JSON errors
/// `{"code":403,"reason":"Forbidden","message":"..."}`.
final class FakeCoordinator: Sendable {
    struct Seen: Sendable {
        var path: String
        var query: [String: String]
        var authorization: String
    }

    /// Records per `namespace/run/step`.
    let logs: [String: [NumberedLogRecord]]
    /// Tokens allowed to read, and tokens that are known but forbidden (token → user).
    let allowed: Set<String>
    let forbidden: [String: String]
    /// For followed steps: after the first record, the response waits until `release(step:)` is called.
    let gatedSteps: Set<String>
    private let gates = Mutex<[String: AsyncStream<Void>.Continuation]>([:])
    private let waiting = Mutex<[String: AsyncStream<Void>]>([:])
    let seen = Mutex<[Seen]>([])

    init(
        logs: [String: [NumberedLogRecord]], allowed: Set<String>, forbidden: [String: String] = [:],
        gatedSteps: Set<String> = []
    ) {
        self.logs = logs
        self.allowed = allowed
        self.forbidden = forbidden
        self.gatedSteps = gatedSteps
        for step in gatedSteps {
            let (stream, continuation) = AsyncStream<Void>.makeStream()
            gates.withLock { $0[step] = continuation }
            waiting.withLock { $0[step] = stream }
        }
    }

    /// Lets a gated follow response of `step` send the rest of its records.
    func release(step: String) {
        gates.withLock { _ = $0[step]?.yield() }
    }

    static func records(_ texts: [String], start: Int64 = 1_767_225_600_000_000_000) -> [NumberedLogRecord] {
        texts.enumerated().map { index, text in
            NumberedLogRecord(
                lineNumber: Int64(index),
                record: LogRecord(
                    timestampNanos: start + Int64(index) * 1_000_000_000, stream: index % 2 == 0 ? .stdout : .stderr,
                    text: text))
        }
    }

    func run<T: Sendable>(_ body: @escaping @Sendable (Int) async throws -> T) async throws -> T {
        try await withTestHTTPServer(respond: { request in try await self.respond(request) }, body)
    }

    private func error(_ code: Int, _ reason: String, _ message: String) -> Response {
        let body =
            #"{"code":\#(code),"reason":"\#(reason)","#
            + #""message":"\#(message.replacingOccurrences(of: "\"", with: "\\\""))"}"#
        return Response(
            status: .init(code: code), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    private func respond(_ request: Request) async throws -> Response {
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        let authorization = request.headers[.authorization] ?? ""
        seen.withLock { $0.append(Seen(path: request.uri.path, query: query, authorization: authorization)) }
        let parts = request.uri.path.split(separator: "/").map(String.init)
        guard parts.count == 9, parts[0] == "api", parts[1] == "v1", parts[2] == "namespaces",
            parts[4] == "pipelineruns", parts[6] == "steps", parts[8] == "log"
        else { return error(404, "NotFound", "no such route \(request.uri.path)") }
        let token = authorization.hasPrefix("Bearer ") ? String(authorization.dropFirst(7)) : ""
        if let user = forbidden[token] {
            return error(
                403, "Forbidden", "User \"\(user)\" cannot get the logs of pipelineruns in namespace \"\(parts[3])\"")
        }
        guard allowed.contains(token) else { return error(401, "Unauthorized", "invalid bearer token") }
        guard query["format"] == "ndjson", query["container"] == "step" else {
            return error(400, "BadRequest", "format=ndjson and container are required")
        }
        let key = "\(parts[3])/\(parts[5])/\(parts[7])"
        guard var records = logs[key] else {
            return error(404, "NotFound", "run \"\(parts[5])\" has no step \"\(parts[7])\"")
        }
        if let tail = query["tail"].flatMap(Int.init) { records = Array(records.suffix(tail)) }
        let gate = query["follow"] == "true" && gatedSteps.contains(parts[7]) ? waiting.withLock { $0[parts[7]] } : nil
        let chosen = records
        return Response(
            status: .ok, headers: [.contentType: "application/x-ndjson"],
            body: ResponseBody { writer in
                for (index, record) in chosen.enumerated() {
                    try await writer.write(ByteBuffer(bytes: record.jsonLine()))
                    if index == 0, let gate {
                        var iterator = gate.makeAsyncIterator()
                        _ = await iterator.next()
                    }
                }
                try await writer.finish(nil)
            })
    }
}
