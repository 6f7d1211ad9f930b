/// Why a webhook request was refused; `status` is the HTTP status the receiver answers with.
public struct WebhookError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case malformed
        case unauthorized
        case unknownRepository
        case unsupportedMediaType
        case tooLarge
    }

    private let code: Code
    /// A message naming the header, field or byte offset at fault; never contains secrets.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The body is not a well-formed event of the kind its headers announce (400).
    public static func malformed(_ message: String) -> WebhookError { WebhookError(.malformed, message) }
    /// A required field is missing or has the wrong type (400).
    public static func missingField(_ path: String, expected: String = "a string") -> WebhookError {
        WebhookError(.malformed, "missing field \(path) (expected \(expected))")
    }
    /// The signature or token is missing or does not match (401).
    public static func unauthorized(_ message: String) -> WebhookError { WebhookError(.unauthorized, message) }
    /// No repository connection matches the payload's repository (404).
    public static func unknownRepository(_ message: String) -> WebhookError {
        WebhookError(.unknownRepository, message)
    }
    /// The body is neither JSON nor a form-encoded `payload` (415).
    public static func unsupportedMediaType(_ message: String) -> WebhookError {
        WebhookError(.unsupportedMediaType, message)
    }
    /// The body exceeds the size limit (413).
    public static func tooLarge(limit: Int) -> WebhookError {
        WebhookError(.tooLarge, "request body larger than \(limit) bytes")
    }

    /// The HTTP status code for this error.
    public var status: Int {
        switch code {
        case .malformed: 400
        case .unauthorized: 401
        case .unknownRepository: 404
        case .unsupportedMediaType: 415
        case .tooLarge: 413
        }
    }

    public var description: String { message }
}
