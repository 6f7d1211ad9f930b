/// A failed command line operation, with a message a user can act on and the exit status it maps to.
public struct ClientError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case usage
        case configuration
        case notFound
        case forbidden
        case unauthorized
        case unreachable
        case rejected
        case failed
    }

    private let code: Code
    /// What went wrong and what to do about it.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Bad arguments or input (exit status 2).
    public static func usage(_ message: String) -> ClientError { ClientError(.usage, message) }
    /// No usable kubeconfig or coordinator address (exit status 2).
    public static func configuration(_ message: String) -> ClientError { ClientError(.configuration, message) }
    /// The named object does not exist.
    public static func notFound(_ message: String) -> ClientError { ClientError(.notFound, message) }
    /// RBAC refused the request.
    public static func forbidden(_ message: String) -> ClientError { ClientError(.forbidden, message) }
    /// The credentials were refused.
    public static func unauthorized(_ message: String) -> ClientError { ClientError(.unauthorized, message) }
    /// The server could not be reached.
    public static func unreachable(_ message: String) -> ClientError { ClientError(.unreachable, message) }
    /// The server refused the object (validation).
    public static func rejected(_ message: String) -> ClientError { ClientError(.rejected, message) }
    /// Anything else.
    public static func failed(_ message: String) -> ClientError { ClientError(.failed, message) }

    /// The process exit status: 2 for usage and configuration problems, 1 otherwise.
    public var exitCode: Int32 {
        switch code {
        case .usage, .configuration: 2
        default: 1
        }
    }

    public var isNotFound: Bool { code == .notFound }
    public var isForbidden: Bool { code == .forbidden }
    public var isUnreachable: Bool { code == .unreachable }

    public var description: String { message }
}
