import AsyncHTTPClient
import C8SCommon
import Logging
import NIOCore
import NIOHTTP1

/// Sends commit statuses to forges, retrying transient failures with bounded exponential backoff.
///
/// Reporting never fails a run: ``report(_:to:logger:)`` does not throw, it returns a
/// ``StatusReportResult`` the caller logs or records. Tokens never appear in logs or results.
public struct CommitStatusReporter: Sendable {
    /// Retry settings.
    ///
    /// - `maximumAttempts`: total attempts including the first (default 4);
    /// - `initialBackoff`: wait before the second attempt, doubled each time (default 500 ms);
    /// - `maximumBackoff`: cap on one wait (default 8 s);
    /// - `requestTimeout`: deadline of one attempt (default 10 s).
    ///
    /// Network errors, 5xx and 429 are retried; other statuses are final.
    public struct RetryPolicy: Sendable, Hashable {
        public var maximumAttempts: Int
        public var initialBackoff: Duration
        public var maximumBackoff: Duration
        public var requestTimeout: Duration

        public init(
            maximumAttempts: Int = 4, initialBackoff: Duration = .milliseconds(500),
            maximumBackoff: Duration = .seconds(8), requestTimeout: Duration = .seconds(10)
        ) {
            self.maximumAttempts = max(1, maximumAttempts)
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
            self.requestTimeout = requestTimeout
        }

        /// The wait after failed attempt `attempt` (1-based).
        public func backoff(after attempt: Int) -> Duration {
            Backoff(initial: initialBackoff, maximum: maximumBackoff).delay(attempt: max(1, attempt))
        }
    }

    public let httpClient: HTTPClient
    public let retryPolicy: RetryPolicy

    public init(httpClient: HTTPClient, retryPolicy: RetryPolicy = .init()) {
        self.httpClient = httpClient
        self.retryPolicy = retryPolicy
    }

    /// Reports `status` to `target`'s forge; never throws.
    public func report(_ status: CommitStatus, to target: StatusTarget, logger: Logger) async -> StatusReportResult {
        var logger = logger
        logger[metadataKey: "forge.provider"] = "\(target.provider.rawValue)"
        logger[metadataKey: "commit"] = "\(status.commitSHA)"
        logger[metadataKey: "status.context"] = "\(status.context)"
        let request: StatusRequest
        do {
            request = try StatusRequest.make(status: status, target: target)
        } catch {
            logger.warning("commit status not reported", metadata: ["commit.status.reason": "\(error.message)"])
            return .failed(attempts: 0, reason: error.message)
        }
        var lastReason = ""
        for attempt in 1...retryPolicy.maximumAttempts {
            if attempt > 1 {
                do {
                    try await Task.sleep(for: retryPolicy.backoff(after: attempt - 1))
                } catch {
                    return .failed(attempts: attempt - 1, reason: "cancelled while retrying: \(lastReason)")
                }
            }
            do {
                let (code, text) = try await send(request)
                if (200..<300).contains(code) {
                    logger.debug(
                        "commit status reported",
                        metadata: ["http.status": "\(code)", "commit.status.attempts": "\(attempt)"])
                    return .delivered(statusCode: code, attempts: attempt)
                }
                lastReason = "HTTP \(code): \(text)"
                if code < 500 && code != 429 {
                    logger.warning(
                        "forge refused the commit status", metadata: ["http.status": "\(code)", "http.body": "\(text)"])
                    return .rejected(statusCode: code, message: text, attempts: attempt)
                }
            } catch {
                lastReason = "\(error)"
            }
            logger.info(
                "commit status attempt failed",
                metadata: ["commit.status.attempt": "\(attempt)", "commit.status.reason": "\(lastReason)"])
        }
        logger.warning(
            "giving up on the commit status",
            metadata: [
                "commit.status.attempts": "\(retryPolicy.maximumAttempts)", "commit.status.reason": "\(lastReason)",
            ])
        return .failed(attempts: retryPolicy.maximumAttempts, reason: lastReason)
    }

    private func send(_ request: StatusRequest) async throws -> (Int, String) {
        var http = HTTPClientRequest(url: request.url)
        http.method = HTTPMethod(rawValue: request.method)
        for header in request.headers {
            http.headers.add(name: header.name, value: header.value)
        }
        http.body = .bytes(ByteBuffer(string: request.body))
        let timeout = TimeAmount.nanoseconds(
            retryPolicy.requestTimeout.components.seconds * 1_000_000_000
                + retryPolicy.requestTimeout.components.attoseconds / 1_000_000_000)
        let response = try await httpClient.execute(http, timeout: timeout)
        let body = try await response.body.collect(upTo: 64 * 1024)
        let text = String(buffer: body)
        return (Int(response.status.code), String(text.prefix(500)))
    }
}

/// The outcome of one status report.
public enum StatusReportResult: Sendable, Hashable {
    /// The forge accepted the status.
    case delivered(statusCode: Int, attempts: Int)
    /// The forge refused it with a final (4xx) status: wrong token, unknown commit…
    case rejected(statusCode: Int, message: String, attempts: Int)
    /// Every attempt failed (network error, 5xx), or the request could not be built.
    case failed(attempts: Int, reason: String)

    /// Whether the status reached the forge.
    public var isDelivered: Bool {
        if case .delivered = self { return true }
        return false
    }
}
