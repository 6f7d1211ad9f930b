import C8SLogs
import C8STestSupport
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The agents of the simulated installation, one per node: in this process (`buildAgent`), or `c8s-agent`
/// executables that ``kill(node:)`` SIGKILLs and starts again with the same state directory, as a DaemonSet
/// would. In-process agents log into ``CapturedLogs``; the output of processes is kept per node (``processOutput``).
final class SimulatedAgents: Sendable {
    struct Settings: Sendable {
        var nodes: [String]
        var logRoot: String
        var stateRoot: String
        var kubeconfig: String
        var apiServer: String
        var storeURL: LogStoreURL
        var s3: S3Configuration
        var seaweed: SeaweedFSServer
        var processes: Bool

        func stateDirectory(node: String) -> String { "\(stateRoot)/\(node)" }
    }

    private struct State {
        var started: Set<String> = []
        var waiters: [CheckedContinuation<Void, Never>] = []
        var urls: [String: String] = [:]
        var processes: [String: AgentProcess] = [:]
        /// The output of the processes on each node that were killed and replaced.
        var earlierOutput: [String: String] = [:]
    }

    let settings: Settings
    let logs: CapturedLogs
    private let state = Mutex(State())

    init(settings: Settings, logs: CapturedLogs) {
        self.settings = settings
        self.logs = logs
    }

    /// The base URL the agent on `node` serves (and puts into the `c8s.dev/agent-url` annotation of its Pods).
    func url(node: String) -> String? { state.withLock { $0.urls[node] } }

    /// Runs the agents until cancelled.
    func run() async throws {
        for node in settings.nodes {
            try FileManager.default.createDirectory(
                atPath: settings.stateDirectory(node: node), withIntermediateDirectories: true)
        }
        if settings.processes {
            for node in settings.nodes { try startProcess(node: node) }
            defer { for process in state.withLock({ Array($0.processes.values) }) { process.kill() } }
            // The processes run until the installation ends (this task is cancelled).
            do { try await Task.sleep(for: .seconds(86_400)) } catch {}
        } else {
            try await runInProcess()
        }
    }

    /// The output of every `c8s-agent` process so far (empty for agents in this process).
    var processOutput: String {
        let (earlier, processes) = state.withLock { ($0.earlierOutput, $0.processes) }
        return processes.sorted { $0.key < $1.key }.map { earlier[$0.key, default: ""] + $0.value.output }
            .joined(separator: "\n")
    }

    /// Returns once every agent has started serving.
    func waitUntilStarted() async throws {
        try await withDeadline(
            .seconds(60), "the agents to start", lastSeen: { [self] in logs.text.suffix(2000).description }
        ) {
            await withCheckedContinuation { continuation in
                let ready = self.state.withLock { state in
                    if state.started.count == self.settings.nodes.count { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    func markStarted(node: String, url: String) {
        let waiters = state.withLock { state in
            state.started.insert(node)
            state.urls[node] = url
            guard state.started.count == settings.nodes.count else { return [CheckedContinuation<Void, Never>]() }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// SIGKILLs the agent process on `node`, waits until it is gone, and starts a new one.
    func kill(node: String) async throws {
        guard settings.processes else {
            throw IntegrationError("agents run in this process; a scenario that kills one asks for agentProcesses")
        }
        guard let process = state.withLock({ $0.processes[node] }) else {
            throw IntegrationError("no agent process on \(node)")
        }
        try await process.killAndWait()
        state.withLock { $0.earlierOutput[node, default: ""] += process.output }
        try startProcess(node: node)
    }

    private func startProcess(node: String) throws {
        let port = try freeLoopbackPort()
        let process = AgentProcess(
            node: node,
            arguments: [
                "--kubeconfig", settings.kubeconfig, "--node-name", node, "--log-root", settings.logRoot,
                "--state-dir", settings.stateDirectory(node: node), "--log-store", settings.storeURL.description,
                "--http-port", "\(port)", "--status-interval", "0.3", "--log-level", "debug",
            ],
            environment: [
                "C8S_S3_ENDPOINT": settings.seaweed.endpoint, "C8S_S3_REGION": "us-east-1",
                "AWS_ACCESS_KEY_ID": settings.seaweed.accessKey, "AWS_SECRET_ACCESS_KEY": settings.seaweed.secretKey,
            ],
            logs: logs)
        try process.start()
        state.withLock { $0.processes[node] = process }
        markStarted(node: node, url: "http://127.0.0.1:\(port)")
    }
}

/// One `c8s-agent` process (a ``TestChildProcess``); its output is captured in memory.
final class AgentProcess: Sendable {
    let node: String
    let arguments: [String]
    let environment: [String: String]
    let logs: CapturedLogs
    private let child = Mutex<TestChildProcess?>(nil)

    init(node: String, arguments: [String], environment: [String: String], logs: CapturedLogs) {
        self.node = node
        self.arguments = arguments
        self.environment = environment
        self.logs = logs
    }

    /// The `c8s-agent` executable next to the test bundle (`.build/<config>/c8s-agent`).
    static var binary: URL {
        URL(fileURLWithPath: builtExecutable("c8s-agent"))
    }

    func start() throws {
        let child = try TestChildProcess.start(
            executable: Self.binary.path, arguments: arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
        self.child.withLock { $0 = child }
    }

    /// What the process wrote, and how it ended once it has.
    var output: String {
        guard let child = child.withLock({ $0 }) else { return "" }
        guard let termination = child.termination else { return child.output }
        return child.output + "c8s-agent[\(node)] exited with \(termination)\n"
    }

    /// SIGKILL, without waiting.
    func kill() {
        child.withLock { $0 }?.signal(SIGKILL)
    }

    /// SIGKILL, then waits until the process has exited.
    func killAndWait() async throws {
        guard let child = child.withLock({ $0 }) else { return }
        child.signal(SIGKILL)
        let termination = try await child.waitForExit(limit: .seconds(60))
        logs.append("c8s-agent[\(node)] exited with \(termination)")
    }
}

/// A TCP port free on 127.0.0.1 right now (bound to port 0 and released), for a process that must be told its port.
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw IntegrationError("socket() failed: errno \(errno)") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw IntegrationError("bind() failed: errno \(errno)") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw IntegrationError("getsockname() failed: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}
