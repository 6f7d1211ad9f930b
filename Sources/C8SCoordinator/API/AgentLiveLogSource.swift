import AsyncHTTPClient
import C8SCommon
import C8SLogs
import Foundation
import Logging
import NIOCore

/// The live log of one container as a node agent serves it: `GET <base>/v1/live/<namespace>/<pod>/<container>?from=N`
/// streams ``NumberedLogRecord`` NDJSON lines and ends when the container is done; 404 when that agent does not
/// follow the container.
///
/// A stream that cannot be opened (404, connection refused, any non-2xx) or breaks is an empty or ended stream, so
/// ``LogReader/follow(live:from:)`` goes back to the store: live lines are a shortcut, never a requirement.
public struct AgentLiveLogSource: LiveLogSource {
    public let httpClient: HTTPClient
    /// The agent's base URL (`http://<pod IP>:<port>`), from the step Pod's `c8s.dev/agent-url` annotation.
    public let baseURL: String
    public let namespace: String
    public let pod: String
    public let container: String
    let logger: Logger

    public init(
        httpClient: HTTPClient, baseURL: String, namespace: String, pod: String, container: String, logger: Logger
    ) {
        self.httpClient = httpClient
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.namespace = namespace
        self.pod = pod
        self.container = container
        self.logger = logger
    }

    /// `<base>/v1/live/<namespace>/<pod>/<container>?from=<line>`.
    public func url(from lineNumber: Int64) -> String {
        let escape = { (segment: String) in PercentEncoding.encode(segment) }
        return "\(baseURL)/v1/live/\(escape(namespace))/\(escape(pod))/\(escape(container))?from=\(lineNumber)"
    }

    public func records(from lineNumber: Int64) async throws -> AsyncThrowingStream<NumberedLogRecord, any Error> {
        var request = HTTPClientRequest(url: url(from: lineNumber))
        request.headers.add(name: "Accept", value: "application/x-ndjson")
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, deadline: .distantFuture, logger: logger)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            logger.debug("live log unavailable", metadata: ["agent.url": "\(baseURL)", "error.message": "\(error)"])
            return AsyncThrowingStream { $0.finish() }
        }
        guard response.status.code == 200 else {
            logger.debug(
                "agent does not follow the container",
                metadata: ["agent.url": "\(baseURL)", "http.status": "\(response.status.code)"])
            return AsyncThrowingStream { $0.finish() }
        }
        let cursor = NDJSONCursor(iterator: response.body.makeAsyncIterator(), logger: logger)
        return AsyncThrowingStream(unfolding: { await cursor.next() })
    }
}

/// Splits a streamed body into NDJSON records (used by one consumer at a time).
private final class NDJSONCursor: @unchecked Sendable {
    var iterator: HTTPClientResponse.Body.AsyncIterator
    var pending: [UInt8] = []
    var ended = false
    let logger: Logger

    init(iterator: HTTPClientResponse.Body.AsyncIterator, logger: Logger) {
        self.iterator = iterator
        self.logger = logger
    }

    func next() async -> NumberedLogRecord? {
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[..<newline]
                defer { pending.removeSubrange(...newline) }
                if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) { continue }
                do {
                    return try NumberedLogRecord.decode(jsonLine: line)
                } catch {
                    logger.warning("agent sent a line that is not a log record; dropping the live stream")
                    ended = true
                    return nil
                }
            }
            if ended { return nil }
            do {
                guard let buffer = try await iterator.next() else {
                    ended = true
                    if !pending.isEmpty { pending.append(UInt8(ascii: "\n")) }
                    continue
                }
                pending.append(contentsOf: buffer.readableBytesView)
            } catch {
                logger.debug("live log stream broke", metadata: ["error.message": "\(error)"])
                ended = true
                pending.removeAll()
                return nil
            }
        }
    }
}
