import Foundation

/// Runs a child process to its end from async code without blocking a thread of the Swift concurrency pool.
///
/// The process is started, fed, read and reaped on a dedicated thread (blocking `poll` and `waitid` there, never
/// on a cooperative thread), so tests that run tools (`kubectl`, `zstd`, `gzip`, `curl`, `openssl`, a c8s
/// executable) do not stall the other tests of the same process. The process runs in its own process group with
/// the default signal dispositions; a time limit or the cancellation of the calling task kills the whole group
/// with SIGKILL.
public enum ChildProcess {
    /// Runs `executable` (looked up in `PATH` when it has no slash) with `arguments` and waits for its end and
    /// all its output.
    ///
    /// - Parameters:
    ///   - environment: the child's whole environment; nil inherits this process's environment.
    ///   - workingDirectory: the child's working directory (entered with `env -C`, so a missing directory is
    ///     exit status 125); nil keeps this process's.
    ///   - standardInput: bytes written to the child's stdin, which is then closed; nil gives it `/dev/null`.
    ///   - timeLimit: how long the child may run; after it the process group is killed with SIGKILL and the
    ///     result has `timedOut` set. Nil waits as long as it takes.
    /// - Returns: how the process ended and everything it wrote to stdout and stderr.
    /// - Throws: ``ChildProcessError`` when the process cannot be started (unknown executable, no pipes).
    public static func run(
        _ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil,
        workingDirectory: String? = nil, standardInput: Data? = nil, timeLimit: Duration? = nil
    ) async throws -> ChildProcessResult {
        let variables = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let run = ChildProcessRun(
            argv: [executable] + arguments, environment: variables, workingDirectory: workingDirectory,
            input: standardInput.map { Array($0) })
        return try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: ChildProcessResult?.self) { group in
                group.addTask { try await run.result() }
                if let timeLimit {
                    group.addTask {
                        try? await Task.sleep(for: timeLimit)
                        if !Task.isCancelled { run.kill(timedOut: true) }
                        return nil
                    }
                }
                while let next = try await group.next() {
                    if let result = next {
                        group.cancelAll()
                        return result
                    }
                }
                preconditionFailure("the process task always returns a result or throws")
            }
        } onCancel: {
            run.kill(timedOut: false)
        }
    }

    /// Runs a child like ``run(_:_:environment:workingDirectory:standardInput:timeLimit:)``, blocking the calling
    /// thread. Only for code that already runs on a thread of its own (a synchronous test, a test's writer
    /// `Thread`, local mode's run loop), never from async code; unlike Foundation's `Process.run()` it does not
    /// list `/proc/self/fd` (which crashes intermittently on Linux with many descriptors open).
    public static func runOnCurrentThread(
        _ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil,
        workingDirectory: String? = nil, standardInput: Data? = nil, timeLimit: Duration? = nil
    ) throws -> ChildProcessResult {
        let variables = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let run = ChildProcessRun(
            argv: [executable] + arguments, environment: variables, workingDirectory: workingDirectory,
            input: standardInput.map { Array($0) })
        guard let timeLimit else { return try run.runToEnd() }
        let expiry = DispatchWorkItem { run.kill(timedOut: true) }
        let (seconds, attoseconds) = timeLimit.components
        let delay = Double(seconds) + Double(attoseconds) * 1e-18
        DispatchQueue.global().asyncAfter(deadline: .now() + delay, execute: expiry)
        defer { expiry.cancel() }
        return try run.runToEnd()
    }
}
