/// A log store request failed. The message names the request (method and key) and, for S3, the HTTP status and the
/// S3 error code; it never contains credentials.
public struct LogStoreError: Error, CustomStringConvertible, Sendable, Hashable {
    package enum Code: Hashable, Sendable {
        case invalidKey
        case io
        case http
        case transport
        case spoolFull
        case configuration
        case corrupt
    }

    package let code: Code
    /// The request, e.g. `PUT logs/ns/run/step/c/index.json`, when there is one.
    public let request: String?
    /// The HTTP status, for S3 responses.
    public let status: Int?
    /// The S3 error code from the response body (e.g. `SignatureDoesNotMatch`), when there is one.
    public let s3Code: String?
    public let message: String

    package init(_ code: Code, request: String? = nil, status: Int? = nil, s3Code: String? = nil, message: String) {
        self.code = code
        self.request = request
        self.status = status
        self.s3Code = s3Code
        self.message = message
    }

    static func invalidKey(_ message: String) -> LogStoreError { .init(.invalidKey, message: message) }

    /// Whether retrying might help (server errors, throttling, timeouts and connection failures; never 4xx).
    public var isRetryable: Bool {
        switch code {
        case .transport: return true
        case .http: return (status ?? 0) >= 500 || status == 429
        default: return false
        }
    }

    /// The HTTP status was 403 (wrong credentials or no permission).
    public var isForbidden: Bool { status == 403 }
    /// The spool is full: the store has been unreachable for too long.
    public var isSpoolFull: Bool { code == .spoolFull }

    public var description: String {
        var parts: [String] = []
        if let request { parts.append(request) }
        if let status { parts.append("HTTP \(status)") }
        if let s3Code { parts.append(s3Code) }
        let head = parts.joined(separator: ": ")
        return head.isEmpty ? message : "\(head): \(message)"
    }
}
