import AsyncHTTPClient
import C8SLogs
import Foundation
import NIOCore
import NIOHTTP1

/// Reads step logs through the coordinator's REST API (NDJSON of `NumberedLogRecord`), with the user's bearer token.
public struct CoordinatorLogClient: Sendable {
    public let settings: CoordinatorSettings
    let http: HTTPClient

    /// A client that uses `http` (callers own its lifetime).
    public init(settings: CoordinatorSettings, http: HTTPClient) {
        self.settings = settings
        self.http = http
    }

    /// How long connecting to the coordinator may take before the command gives up.
    public static let connectTimeout: TimeAmount = .seconds(10)

    /// Runs `body` with a client for `settings` (its own connections, closed afterwards; connecting gives up after
    /// `connectTimeout`).
    public static func with<T>(
        settings: CoordinatorSettings, _ body: (CoordinatorLogClient) async throws -> T
    ) async throws -> T {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: connectTimeout, read: nil)
        configuration.redirectConfiguration = .disallow
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        do {
            let result = try await body(CoordinatorLogClient(settings: settings, http: http))
            try? await http.shutdown()
            return result
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// The body of an error response: `{"code":403,"reason":"Forbidden","message":"..."}`.
    struct ErrorBody: Decodable {
        var code: Int?
        var reason: String?
        var message: String?
    }

    /// Streams the records of `query`, calling `record` for each as it arrives, until the response ends (with
    /// `follow`, when the step's log is complete).
    public func stream(_ query: LogQuery, record: (NumberedLogRecord) async throws -> Void) async throws {
        let url = settings.url + query.pathAndQuery
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "Authorization", value: "Bearer \(settings.token)")
        request.headers.add(name: "Accept", value: "application/x-ndjson")
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, deadline: .distantFuture)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ClientError.unreachable(
                "cannot reach the coordinator at \(settings.url): \(error) — is the port-forward running and "
                    + "C8S_COORDINATOR right? (kubectl -n c8s-system port-forward svc/c8s-coordinator 8080:80)")
        }
        guard response.status == .ok else {
            let body = (try? await response.body.collect(upTo: 64 * 1024)).map { Array(buffer: $0) } ?? []
            throw Self.error(status: response.status, body: body, query: query)
        }
        var lines = NDJSONLineBuffer()
        do {
            for try await chunk in response.body {
                for line in try lines.append(chunk.readableBytesView) { try await record(try decode(line)) }
            }
        } catch let error as ClientError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ClientError.unreachable("the coordinator at \(settings.url) ended the log stream: \(error)")
        }
        if let last = lines.finish() { try await record(try decode(last)) }
    }

    private func decode(_ line: [UInt8]) throws(ClientError) -> NumberedLogRecord {
        do {
            return try NumberedLogRecord.decode(jsonLine: line)
        } catch {
            let text = String(decoding: line.prefix(200), as: UTF8.self)
            throw .failed("the coordinator sent a log line that is not a log record: \(text)")
        }
    }

    /// The `ClientError` of an error response.
    static func error(status: HTTPResponseStatus, body: [UInt8], query: LogQuery) -> ClientError {
        let decoded = try? JSONDecoder().decode(ErrorBody.self, from: Data(body))
        let message =
            decoded?.message.flatMap { $0.isEmpty ? nil : $0 }
            ?? String(decoding: body.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let said = message.isEmpty ? "\(status.code) \(status.reasonPhrase)" : message
        switch status.code {
        case 401:
            return .unauthorized(
                "unauthorized: the coordinator refused the token (\(said)) — pass a fresh one with --token "
                    + "(kubectl -n \(query.namespace) create token SERVICE-ACCOUNT)")
        case 403:
            return .forbidden("forbidden: \(said)")
        case 404:
            return .notFound(said)
        case 400:
            return .usage(said)
        default:
            return .failed(
                "the coordinator could not serve the log of step \"\(query.step)\" of run "
                    + "\"\(query.run)\": \(said)")
        }
    }
}
