/// Errors of the log tailer that are not plain system call failures.
public struct LogTailerError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case badCheckpoint(path: String, reason: String)
        case stopped
        case notADirectory(String)
    }

    private let code: Code

    static func badCheckpoint(path: String, reason: String) -> Self {
        Self(code: .badCheckpoint(path: path, reason: reason))
    }
    /// The tailer shut down before the follower finished.
    public static let stopped = Self(code: .stopped)
    static func notADirectory(_ path: String) -> Self { Self(code: .notADirectory(path)) }

    public var description: String {
        switch code {
        case .badCheckpoint(let path, let reason):
            return "checkpoint file \(path) is unreadable (\(reason)); move it away to re-read the logs from the start"
        case .stopped:
            return "the log tailer stopped before the follower finished"
        case .notADirectory(let path):
            return "\(path) is not a directory of container log files"
        }
    }
}
