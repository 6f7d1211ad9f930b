#if canImport(Glibc)
import Glibc
#endif

/// A child process could not be started.
public struct ChildProcessError: Error, CustomStringConvertible, Sendable {
    /// What failed, naming the executable and the system error.
    public let message: String

    init(_ what: String, errno code: Int32) {
        message = "\(what): \(String(cString: strerror(code))) (errno \(code))"
    }

    public var description: String { message }
}
