/// A version that cannot be read: a coordinator's `GET /version` answer that is too large, malformed or holds
/// characters a version never has.
public struct BuildVersionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, naming the bound or field.
    public let message: String

    init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
