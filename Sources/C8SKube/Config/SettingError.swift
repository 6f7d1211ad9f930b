/// A setting of a long-running process that cannot be used: an unknown flag, a flag without its value, or a value
/// that is not of the key's type or outside its range. The message names the flag or variable and what it expects.
public struct SettingError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What is wrong and how to fix it.
    public let message: String

    /// An error with `message`.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
