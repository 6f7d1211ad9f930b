#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: which call, on what (a path or descriptor), and the `errno`.
public struct SystemCallError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The call that failed, for example `open`.
    public let call: String
    /// What it was called on, for example a file path; empty when nothing useful.
    public let subject: String
    /// The error number.
    public let errno: Int32

    public init(call: String, subject: String = "", errno: Int32) {
        self.call = call
        self.subject = subject
        self.errno = errno
    }

    public var description: String {
        let what = subject.isEmpty ? call : "\(call)(\(subject))"
        return "\(what) failed: \(String(cString: strerror(errno))) (errno \(errno))"
    }
}

/// Runs a system call that returns -1 and sets `errno` on failure, retrying on `EINTR`; throws the error.
///
/// (`close(2)` is the exception and is called directly: on Linux the descriptor is released even when it reports
/// `EINTR`, so retrying could close a descriptor another thread just opened.)
@discardableResult
@inline(__always)
func systemCall<T: FixedWidthInteger>(
    _ call: String, _ subject: @autoclosure () -> String = "", _ body: () -> T
) throws(SystemCallError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let error = Glibc.errno
        if error == EINTR { continue }
        throw SystemCallError(call: call, subject: subject(), errno: error)
    }
}

/// Runs a liburing call that returns `-errno` on failure, retrying on `-EINTR`; throws the error.
@discardableResult
@inline(__always)
func uringCall(_ call: String, _ body: () -> Int32) throws(SystemCallError) -> Int32 {
    while true {
        let result = body()
        if result >= 0 { return result }
        if result == -EINTR { continue }
        throw SystemCallError(call: call, errno: -result)
    }
}
