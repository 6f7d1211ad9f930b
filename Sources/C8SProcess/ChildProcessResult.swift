import Foundation

/// How a child process run by ``ChildProcess/run(_:_:environment:workingDirectory:standardInput:timeLimit:)``
/// ended, with everything it wrote.
public struct ChildProcessResult: Sendable {
    /// How the process ended.
    public enum Termination: Sendable, Hashable, CustomStringConvertible {
        /// It exited with this status.
        case exited(Int32)
        /// A signal (this number) ended it.
        case signalled(Int32)

        /// The termination of a `waitpid` status.
        package init(status: Int32) {
            let (signal, code) = SpawnedProcess.decode(status)
            self = signal.map { .signalled($0) } ?? .exited(code)
        }

        /// The exit status, or the number of the signal that ended the process (what Foundation's
        /// `Process.terminationStatus` reports).
        public var status: Int32 {
            switch self {
            case .exited(let status): status
            case .signalled(let signal): signal
            }
        }

        public var description: String {
            switch self {
            case .exited(let status): "exit status \(status)"
            case .signalled(let signal): "signal \(signal)"
            }
        }
    }

    /// How the process ended.
    public var termination: Termination
    /// Everything it wrote to stdout.
    public var standardOutput: Data
    /// Everything it wrote to stderr.
    public var standardError: Data
    /// True when the time limit ran out and the process (and its process group) was killed.
    public var timedOut: Bool

    /// The exit status, or nil when a signal ended the process.
    public var exitCode: Int32? {
        if case .exited(let code) = termination { return code }
        return nil
    }

    /// True when the process exited with status 0.
    public var succeeded: Bool { termination == .exited(0) }

    /// stdout as UTF-8 text (invalid bytes replaced).
    public var outputText: String { String(decoding: standardOutput, as: UTF8.self) }

    /// stderr as UTF-8 text (invalid bytes replaced).
    public var errorText: String { String(decoding: standardError, as: UTF8.self) }
}
