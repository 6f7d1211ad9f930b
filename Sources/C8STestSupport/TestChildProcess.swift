import C8SProcess
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A long-running child process in a test (one of our executables, `kubectl`, a shell): its stdout and stderr
/// captured line by line as they come, signals, and its exit awaited with a limit.
///
/// The child is started by C8SProcess's ``SpawnedChild`` (the one spawner of c8s), which awaits its exit on a
/// dedicated thread. No libdispatch source is involved: each pipe is read by a blocking `read(2)` loop on a
/// dedicated `Thread`. (Tearing down `FileHandle.readabilityHandler`, a dispatch read source, races with
/// libdispatch's manager thread on Linux and can crash the test process.)
///
/// ```swift
/// try await withTestChildProcess(executable: binary, arguments: ["--http-port", "0"]) { child in
///     let port = try await child.waitForMatch(#"http\.port=\d+"#, within: .seconds(60))
///     child.signal(SIGTERM)
///     #expect(try await child.waitForExit(limit: .seconds(30)) == .exited(0), "\(child.output)")
/// }
/// ```
public final class TestChildProcess: Sendable {
    /// Which pipe a line came from.
    public enum Stream: String, Sendable, Hashable {
        case stdout
        case stderr
    }

    /// One line the child wrote, without its newline (a last line without a newline is kept too).
    public struct Line: Sendable, Hashable, CustomStringConvertible {
        public var stream: Stream
        public var text: String

        public init(stream: Stream, text: String) {
            self.stream = stream
            self.text = text
        }

        public var description: String { "[\(stream.rawValue)] \(text)" }
    }

    /// How the child ended: `.exited(status)` or `.signalled(signal)`.
    public typealias Termination = ChildProcessResult.Termination

    fileprivate enum Waiter {
        case line(@Sendable (Line) -> Bool, CheckedContinuation<Line, any Error>)
        case exit(CheckedContinuation<Termination, any Error>)
    }

    private struct State {
        var lines: [Line] = []
        var stdout = ""
        var stderr = ""
        var combined = ""
        var openStreams = 2
        var processEnded: Termination?
        /// Set once the process has exited and both pipes reached end of file: nothing more will be captured.
        var termination: Termination?
        var waiters: [UInt64: Waiter] = [:]
        var cancelled: Set<UInt64> = []
        var followers: [UInt64: AsyncStream<Line>.Continuation] = [:]
        var nextID: UInt64 = 0
    }

    /// The executable's path, as given to ``start(executable:arguments:environment:workingDirectory:)``.
    public let executable: String
    /// The child's process id.
    public var processIdentifier: Int32 { process.pid }
    private let process: SpawnedChild
    private let state = Mutex(State())

    private init(executable: String, process: SpawnedChild) {
        self.executable = executable
        self.process = process
    }

    /// Starts `executable` with `arguments`, `environment` (the whole environment; `nil` inherits this process's)
    /// and `workingDirectory` (`nil` keeps this process's). Its standard input is `/dev/null`; it runs in a
    /// process group of its own, with no signal blocked (Swift concurrency's threads block SIGTERM, which a child
    /// would otherwise inherit).
    ///
    /// The caller ends the child (``signal(_:)``) and awaits ``waitForExit(limit:)``; ``withTestChildProcess``
    /// does both when its body returns.
    public static func start(
        executable: String, arguments: [String] = [], environment: [String: String]? = nil,
        workingDirectory: String? = nil
    ) throws -> TestChildProcess {
        let stdout = try OwnedPipe()
        let stderr = try OwnedPipe()
        let variables = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let process: SpawnedChild
        do {
            process = try SpawnedChild.start(
                [executable] + arguments, environment: variables, workingDirectory: workingDirectory,
                stdout: stdout.write, stderr: stderr.write)
        } catch {
            stdout.closeBoth()
            stderr.closeBoth()
            throw TestChildProcessError("cannot start \(executable): \(error)")
        }
        // The child has its own copies; the read loops see end of file once the child (and anything it left
        // running with these descriptors) has closed them.
        close(stdout.write)
        close(stderr.write)

        let child = TestChildProcess(executable: executable, process: process)
        let name = URL(fileURLWithPath: executable).lastPathComponent
        for (fd, stream) in [(stdout.read, Stream.stdout), (stderr.read, Stream.stderr)] {
            let reader = Thread { child.readLoop(fd: fd, stream: stream) }
            reader.name = "\(name)[\(process.pid)] \(stream.rawValue)"
            reader.start()
        }
        process.onExit { child.processEnded($0) }
        return child
    }

    // MARK: Output

    /// Everything the child wrote so far, stdout and stderr interleaved line by line in the order they were read.
    public var output: String { state.withLock { $0.combined } }
    /// What the child wrote to stdout so far (complete lines; the last line once the child closed stdout).
    public var standardOutput: String { state.withLock { $0.stdout } }
    /// What the child wrote to stderr so far.
    public var standardError: String { state.withLock { $0.stderr } }
    /// The lines captured so far, in the order they were read.
    public var capturedLines: [Line] { state.withLock { $0.lines } }

    /// The child's lines: those captured so far, then each new one as it comes; finishes when both pipes are closed.
    /// Every call returns a new stream of its own.
    public func lines() -> AsyncStream<Line> {
        let (stream, continuation) = AsyncStream.makeStream(of: Line.self)
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        // Set before the continuation is shared: finishing it calls this, and never under the lock.
        continuation.onTermination = { [weak self] _ in _ = self?.state.withLock { $0.followers[id] = nil } }
        let following = state.withLock { state in
            for line in state.lines { continuation.yield(line) }
            guard state.openStreams > 0 else { return false }
            state.followers[id] = continuation
            return true
        }
        if !following { continuation.finish() }
        return stream
    }

    /// Returns the first line (captured so far or still to come) for which `matches` is true. Throws when none has
    /// come within `limit`, or when the child closed its output without one; the error shows the captured output.
    @discardableResult
    public func waitForLine(
        within limit: Duration, where matches: @escaping @Sendable (Line) -> Bool
    ) async throws -> Line {
        try await wait(limit: limit, for: "a matching line") { .line(matches, $0) }
    }

    /// Returns the first line containing `text`; see ``waitForLine(within:where:)``.
    @discardableResult
    public func waitForLine(containing text: String, within limit: Duration) async throws -> Line {
        try await waitForLine(within: limit) { $0.text.contains(text) }
    }

    /// Returns the first text in a line matching the regular expression `pattern` (the match only, not its line);
    /// see ``waitForLine(within:where:)``.
    public func waitForMatch(_ pattern: String, within limit: Duration) async throws -> String {
        let line = try await waitForLine(within: limit) {
            $0.text.range(of: pattern, options: .regularExpression) != nil
        }
        guard let range = line.text.range(of: pattern, options: .regularExpression) else {
            throw TestChildProcessError("\(executable): line \(line) stopped matching \(pattern)")
        }
        return String(line.text[range])
    }

    /// The port one of our executables logs once it serves HTTP (`http.port=N` in a log line); see
    /// ``waitForLine(within:where:)``.
    public func waitForLoggedPort(within limit: Duration) async throws -> Int {
        let match = try await waitForMatch(#"http\.port=\d+"#, within: limit)
        guard let port = Int(match.dropFirst("http.port=".count)) else {
            throw TestChildProcessError("\(executable): no port number in \(match)")
        }
        return port
    }

    // MARK: Signals and exit

    /// Sends `signal` (`SIGTERM`, `SIGKILL`, ...) to the child, unless it has already exited.
    public func signal(_ signal: Int32) {
        process.signal(signal)
    }

    /// How the child ended, once it has exited and its output has been read to the end; `nil` until then.
    public var termination: Termination? { state.withLock { $0.termination } }

    /// Whether the child has exited (its output may still be being read).
    public var hasExited: Bool { process.termination != nil }

    /// Waits until the child has exited and its output has been read to the end, and returns how it ended.
    /// Throws when that has not happened within `limit` (the child keeps running: signal it).
    @discardableResult
    public func waitForExit(limit: Duration) async throws -> Termination {
        try await wait(limit: limit, for: "the exit") { .exit($0) }
    }

    // MARK: Waiting

    private func wait<T: Sendable>(
        limit: Duration, for what: String, _ waiter: @escaping @Sendable (CheckedContinuation<T, any Error>) -> Waiter
    ) async throws -> T {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await withTaskCancellationHandler {
                    try await withCheckedThrowingContinuation { continuation in
                        self.register(id, waiter(continuation))
                    }
                } onCancel: {
                    self.cancel(id)
                }
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let result = try await group.next() ?? nil else {
                throw TestChildProcessError(
                    "\(executable) [\(processIdentifier)]: \(what) did not come within \(limit); output so far:\n"
                        + String(output.suffix(4000)))
            }
            return result
        }
    }

    private func register(_ id: UInt64, _ waiter: Waiter) {
        let resume: (() -> Void)? = state.withLock { state in
            if state.cancelled.remove(id) != nil { return { waiter.fail(CancellationError()) } }
            switch waiter {
            case .line(let matches, let continuation):
                if let line = state.lines.first(where: matches) { return { continuation.resume(returning: line) } }
                if state.openStreams == 0 {
                    let error = endedError(state)
                    return { continuation.resume(throwing: error) }
                }
            case .exit(let continuation):
                if let termination = state.termination { return { continuation.resume(returning: termination) } }
            }
            state.waiters[id] = waiter
            return nil
        }
        resume?()
    }

    private func cancel(_ id: UInt64) {
        let waiter = state.withLock { state in
            guard let waiter = state.waiters.removeValue(forKey: id) else {
                state.cancelled.insert(id)
                return Waiter?.none
            }
            return waiter
        }
        waiter?.fail(CancellationError())
    }

    private func endedError(_ state: State) -> TestChildProcessError {
        TestChildProcessError(
            "\(executable) [\(processIdentifier)] closed its output without a matching line; output:\n"
                + String(state.combined.suffix(4000)))
    }

    // MARK: Reading and exit (dedicated threads)

    private func readLoop(fd: Int32, stream: Stream) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            pending.append(contentsOf: buffer[0..<count])
            var lines: [Line] = []
            var start = 0
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                lines.append(Line(stream: stream, text: String(decoding: pending[start..<newline], as: UTF8.self)))
                start = newline + 1
            }
            pending.removeFirst(start)
            if !lines.isEmpty { received(lines) }
        }
        if !pending.isEmpty {
            received([Line(stream: stream, text: String(decoding: pending, as: UTF8.self))], lastHasNewline: false)
        }
        close(fd)
        reachedEnd()
    }

    private func received(_ lines: [Line], lastHasNewline: Bool = true) {
        let resumes: [() -> Void] = state.withLock { state in
            var resumes: [() -> Void] = []
            for (index, line) in lines.enumerated() {
                state.lines.append(line)
                let text = lastHasNewline || index < lines.count - 1 ? line.text + "\n" : line.text
                switch line.stream {
                case .stdout: state.stdout += text
                case .stderr: state.stderr += text
                }
                state.combined += text
                for follower in state.followers.values { follower.yield(line) }
                for (id, waiter) in state.waiters {
                    guard case .line(let matches, let continuation) = waiter, matches(line) else { continue }
                    state.waiters[id] = nil
                    resumes.append { continuation.resume(returning: line) }
                }
            }
            return resumes
        }
        for resume in resumes { resume() }
    }

    private func reachedEnd() {
        let resumes: [() -> Void] = state.withLock { state in
            state.openStreams -= 1
            guard state.openStreams == 0 else { return [] }
            // Finished outside the lock: `finish()` calls the stream's `onTermination`, which takes the lock.
            let followers = Array(state.followers.values)
            state.followers = [:]
            let error = endedError(state)
            var resumes: [() -> Void] = [{ for follower in followers { follower.finish() } }]
            for (id, waiter) in state.waiters {
                guard case .line(_, let continuation) = waiter else { continue }
                state.waiters[id] = nil
                resumes.append { continuation.resume(throwing: error) }
            }
            return resumes + finishIfDone(&state)
        }
        for resume in resumes { resume() }
    }

    private func processEnded(_ termination: Termination) {
        let resumes = state.withLock { state in
            state.processEnded = termination
            return finishIfDone(&state)
        }
        for resume in resumes { resume() }
    }

    private func finishIfDone(_ state: inout State) -> [() -> Void] {
        guard let termination = state.processEnded, state.openStreams == 0, state.termination == nil else { return [] }
        state.termination = termination
        var resumes: [() -> Void] = []
        for (id, waiter) in state.waiters {
            guard case .exit(let continuation) = waiter else { continue }
            state.waiters[id] = nil
            resumes.append { continuation.resume(returning: termination) }
        }
        return resumes
    }
}

/// Starts a ``TestChildProcess``, runs `body` with it, then SIGKILLs it if it is still running and waits for it
/// (up to 30 seconds), so no child outlives the scope.
public func withTestChildProcess<T>(
    executable: String, arguments: [String] = [], environment: [String: String]? = nil,
    workingDirectory: String? = nil, _ body: (TestChildProcess) async throws -> T
) async throws -> T {
    let child = try TestChildProcess.start(
        executable: executable, arguments: arguments, environment: environment, workingDirectory: workingDirectory)
    do {
        let result = try await body(child)
        try await child.end()
        return result
    } catch {
        try? await child.end()
        throw error
    }
}

extension TestChildProcess {
    fileprivate func end() async throws {
        signal(SIGKILL)
        try await waitForExit(limit: .seconds(30))
    }
}

extension TestChildProcess.Waiter {
    fileprivate func fail(_ error: any Error) {
        switch self {
        case .line(_, let continuation): continuation.resume(throwing: error)
        case .exit(let continuation): continuation.resume(throwing: error)
        }
    }
}

/// A child process that could not be started, or a wait that failed; the message names the executable and shows
/// its output.
public struct TestChildProcessError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }
}

/// A one-way channel from the child (C8SProcess's pipe, both ends close-on-exec from the start, so a child started
/// concurrently by another test does not inherit them and keep another child's output open); the spawner
/// duplicates the write end onto the child's stdout or stderr.
private struct OwnedPipe {
    let read: Int32
    let write: Int32

    init() throws {
        do {
            (read, write) = try SpawnedProcess.makePipe()
        } catch {
            throw TestChildProcessError("\(error)")
        }
    }

    func closeBoth() {
        close(read)
        close(write)
    }
}
