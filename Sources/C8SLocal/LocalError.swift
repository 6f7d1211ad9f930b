/// An error of local mode, with a message a user can act on.
public struct LocalError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case usage, io, notFound
    }

    private let code: Code
    /// What went wrong and what to do.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Bad flags or arguments (exit status 2).
    public static func usage(_ message: String) -> LocalError { LocalError(.usage, message) }
    /// A file or process operation failed.
    public static func io(_ message: String) -> LocalError { LocalError(.io, message) }
    /// A run or step that does not exist.
    public static func notFound(_ message: String) -> LocalError { LocalError(.notFound, message) }

    /// Whether the error is a usage error.
    public var isUsage: Bool { code == .usage }

    public var description: String { message }
}
