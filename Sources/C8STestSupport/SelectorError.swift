/// A selector that could not be parsed or is not supported.
public struct SelectorError: Error, CustomStringConvertible {
    /// What is wrong.
    public let description: String
}
