#if canImport(Glibc)
import Glibc
#endif

/// A failure of the cluster simulator: a system call, a Pod it cannot run, a bad configuration.
public struct ClusterSimulatorError: Error, CustomStringConvertible, Sendable {
    private enum Code: Sendable {
        case io
        case configuration
    }

    private let code: Code
    /// What went wrong, naming the object or path.
    public let message: String

    static func io(_ message: String, errno: Int32) -> Self {
        let reason = errno == 0 ? "" : ": \(String(cString: strerror(errno)))"
        return Self(code: .io, message: message + reason)
    }

    static func configuration(_ message: String) -> Self { Self(code: .configuration, message: message) }

    public var description: String { "cluster simulator: \(message)" }
}
