import C8SAPI
import C8SCore
import C8SKube
import C8STestSupport
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Dispatch at scale: R runs of a 10-step pipeline shaped 1 → 8 → 1 created at once, against the in-memory API
/// server, with the cluster simulator completing every step's Pod as soon as it exists (no nodes, no processes),
/// so the coordinator (the `c8s-coordinator` executable, a child process) is what is timed.
///
/// Prints per R: run created → its first Job observed (p50/p99), a step's last dependency observed Complete →
/// its Job observed (p50/p99), the wall time until every run finished, the coordinator's CPU seconds and peak
/// RSS, its API requests per run (counted by the server per User-Agent), and a raw client's Job POST latency on
/// the same server as the reference the dispatch latencies are divided by.
enum DispatchBench {
    static let namespace = "default"
    static let middleSteps = 8

    struct Result {
        var runs: Int
        var firstJob: [Double]
        var dependency: [Double]
        var wall: Double
        var coordinatorCPU: Double
        var coordinatorPeakRSS: Int
        var requests: [APIRequestTally: Int]
        var rawPost: [Double]
    }

    /// Runs the benchmark for each R in `runCounts` (a fresh server and coordinator each), printing a table.
    static func run(runCounts: [Int], workers: Int?, coordinator: String?) async throws {
        print("")
        print("dispatch: R runs x 10 steps (1 -> 8 -> 1), immediate-completion simulator, coordinator as a child")
        print(
            "     R  first Job p50/p99 ms  dependency->Job p50/p99 ms  wall s  coord cpu s  cpu ms/run  peak RSS MB"
                + "  req/run  POST p50 ms  p99/POST")
        for runs in runCounts {
            let result = try await measure(runs: runs, workers: workers, coordinator: coordinator)
            let first = Percentiles(result.firstJob)
            let dependency = Percentiles(result.dependency)
            let post = Percentiles(result.rawPost)
            let coordinatorRequests = result.requests.filter { $0.key.userAgent == "c8s" && !$0.key.watch }
            let perRun = Double(coordinatorRequests.values.reduce(0, +)) / Double(runs)
            print(
                String(
                    format: "%6d  %9.1f / %-9.1f  %12.1f / %-12.1f  %6.1f  %11.2f  %10.2f  %11.1f  %7.1f  %11.2f"
                        + "  %8.0fx",
                    runs, first.p50 * 1e3, first.p99 * 1e3, dependency.p50 * 1e3, dependency.p99 * 1e3, result.wall,
                    result.coordinatorCPU, result.coordinatorCPU * 1e3 / Double(runs),
                    Double(result.coordinatorPeakRSS) / 1e6, perRun, post.p50 * 1e3,
                    max(first.p99, dependency.p99) / max(post.p50, 1e-9)))
            let breakdown = coordinatorRequests.sorted { $0.value > $1.value }.prefix(8)
                .map {
                    "\($0.key.method) \($0.key.resource) " + String(format: "%.1f", Double($0.value) / Double(runs))
                }
            print("        coordinator requests per run: " + breakdown.joined(separator: ", "))
        }
        print("(latencies as observed by one watch on Jobs; p99/POST: the larger dispatch p99 / raw Job POST p50)")
    }

    /// p50 and p99 of samples in seconds.
    struct Percentiles {
        var p50: Double
        var p99: Double

        init(_ samples: [Double]) {
            let sorted = samples.sorted()
            func at(_ p: Double) -> Double {
                sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
            }
            p50 = at(0.5)
            p99 = at(0.99)
        }
    }

    /// What the Job watch saw: when each step's Job appeared and when it was first seen Complete.
    struct Observations: Sendable {
        var added: [String: [String: ContinuousClock.Instant]] = [:]
        var completed: [String: [String: ContinuousClock.Instant]] = [:]
    }

    /// The instants recorded while runs are created and their Jobs watched.
    final class Recorder: Sendable {
        let observations = Mutex(Observations())
        let created = Mutex<[String: ContinuousClock.Instant]>([:])
    }

    static func measure(runs: Int, workers: Int?, coordinator: String?) async throws -> Result {
        var configuration = TestAPIServer.Configuration()
        configuration.crdDirectory = repositoryRoot + "/config/crd"
        configuration.eventHistoryLimit = max(10_000, runs * 60)
        let quiet = {
            var logger = Logger(label: "c8s.bench.dispatch")
            logger.logLevel = .error
            return logger
        }()
        return try await withTestAPIServer(configuration: configuration, logger: quiet) { server in
            let directory = NSTemporaryDirectory() + "c8s-dispatch-\(getpid())-\(runs)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let kubeconfig = directory + "/kubeconfig"
            try server.writeKubeconfig(to: kubeconfig)
            let simulator = try ClusterSimulator(
                server: server,
                configuration: .init(
                    nodes: [], logRoot: directory + "/logs", namespace: namespace, registerNodes: false,
                    immediateExitCode: 0),
                logger: quiet)
            let client = try KubeClient(
                configuration: KubeClientConfiguration(
                    server: server.baseURL.absoluteString, namespace: namespace, userAgent: "c8s-bench"),
                logger: quiet)
            defer { Task { try? await client.shutdown() } }
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await simulator.run() }
                defer { group.cancelAll() }
                await simulator.waitUntilReady()
                return try await measure(
                    runs: runs, workers: workers, coordinatorPath: coordinator, server: server, client: client,
                    kubeconfig: kubeconfig, directory: directory, logger: quiet)
            }
        }
    }

    static func measure(
        runs: Int, workers: Int?, coordinatorPath: String?, server: TestAPIServer, client: KubeClient,
        kubeconfig: String, directory: String, logger: Logger
    ) async throws -> Result {
        let steps =
            [PipelineStep(name: "build", image: "alpine:3", commands: ["make"])]
            + (1...middleSteps).map {
                PipelineStep(name: "test-\($0)", image: "alpine:3", commands: ["make test-\($0)"], dependsOn: ["build"])
            }
            + [
                PipelineStep(
                    name: "report", image: "alpine:3", commands: ["make report"],
                    dependsOn: (1...middleSteps).map { "test-\($0)" })
            ]
        _ = try await client.create(
            PipelineConfig(metadata: ObjectMeta(name: "bench", namespace: namespace), spec: PipelineSpec(steps: steps)))

        let recorder = Recorder()
        let jobs = Informer<Job>(
            client: client, configuration: .init(namespace: namespace, labelSelector: C8SLabels.pipelineRun),
            logger: logger)
        let runInformer = Informer<PipelineRun>(
            client: client, configuration: .init(namespace: namespace), logger: logger)
        let note: @Sendable (Job) -> Void = { job in
            guard let run = job.metadata.labels?[C8SLabels.pipelineRun], let step = job.metadata.labels?[C8SLabels.step]
            else { return }
            let now = ContinuousClock.now
            recorder.observations.withLock { seen in
                if seen.added[run]?[step] == nil { seen.added[run, default: [:]][step] = now }
                if job.status?.isComplete == true, seen.completed[run]?[step] == nil {
                    seen.completed[run, default: [:]][step] = now
                }
            }
        }
        jobs.addHandler(InformerHandler(onAdd: note, onUpdate: { _, new in note(new) }))

        var arguments = [
            "--kubeconfig", kubeconfig, "--namespace", namespace, "--lease-namespace", namespace,
            "--identity", "bench", "--http-port", "0",
        ]
        if let workers { arguments += ["--workers", "\(workers)"] }
        let coordinator = try startCoordinator(
            path: coordinatorPath, arguments: arguments, output: directory + "/coordinator.log")
        do {
            let result = try await measure(
                coordinator: coordinator.pid, steps: steps, runs: runs, server: server, client: client, jobs: jobs,
                runInformer: runInformer, recorder: recorder)
            coordinator.signal(SIGTERM)
            _ = await coordinator.waitForExit()
            return result
        } catch {
            coordinator.signal(SIGTERM)
            _ = await coordinator.waitForExit()
            throw error
        }
    }

    /// Runs the warm-up and the measured runs against a started coordinator (process `coordinator`).
    private static func measure(
        coordinator: pid_t, steps: [PipelineStep], runs: Int, server: TestAPIServer, client: KubeClient,
        jobs: Informer<Job>, runInformer: Informer<PipelineRun>, recorder: Recorder
    ) async throws -> Result {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await jobs.run() }
            group.addTask { try await runInformer.run() }
            defer { group.cancelAll() }
            await jobs.waitForSync()
            await runInformer.waitForSync()
            // A warm-up run: the coordinator holds the lease and its informers have synced once it finishes.
            _ = try await createRun("warmup", client: client)
            try await waitUntilFinished(["warmup"], runs: runInformer, limit: .seconds(120))

            let requestsBefore = server.requestCounts
            let cpuBefore = try processCPUSeconds(coordinator)
            let names = (0..<runs).map { String(format: "bench-%05d", $0) }
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { creators in
                var iterator = names.makeIterator()
                func next() -> Bool {
                    guard let name = iterator.next() else { return false }
                    creators.addTask {
                        _ = try await createRun(name, client: client)
                        let now = ContinuousClock.now
                        recorder.created.withLock { $0[name] = now }
                    }
                    return true
                }
                for _ in 0..<16 where next() {}
                while try await creators.next() != nil { _ = next() }
            }
            try await waitUntilFinished(names, runs: runInformer, limit: .seconds(Int64(60 + runs * 2)))
            let wall = Bench.seconds(ContinuousClock.now - start)
            let cpu = try processCPUSeconds(coordinator) - cpuBefore
            let peakRSS = try processPeakRSS(coordinator)
            var requests = server.requestCounts
            for (tally, count) in requestsBefore { requests[tally, default: 0] -= count }

            let seen = recorder.observations.withLock { $0 }
            let createdAt = recorder.created.withLock { $0 }
            var firstJob: [Double] = []
            var dependency: [Double] = []
            for name in names {
                let added = seen.added[name] ?? [:]
                let completed = seen.completed[name] ?? [:]
                if let createdAt = createdAt[name], let first = added.values.min() {
                    firstJob.append(Bench.seconds(first - createdAt))
                }
                for step in steps where !step.dependsOn.isEmpty {
                    let ready = step.dependsOn.compactMap { completed[$0] }
                    guard ready.count == step.dependsOn.count, let last = ready.max(), let job = added[step.name]
                    else { continue }
                    dependency.append(max(0, Bench.seconds(job - last)))
                }
            }
            let rawPost = try await rawJobPosts(client: client, count: 200)
            return Result(
                runs: runs, firstJob: firstJob, dependency: dependency, wall: wall, coordinatorCPU: cpu,
                coordinatorPeakRSS: peakRSS, requests: requests, rawPost: rawPost)
        }
    }

    static func createRun(_ name: String, client: KubeClient) async throws -> PipelineRun {
        try await client.create(
            PipelineRun(
                metadata: ObjectMeta(name: name, namespace: namespace),
                spec: .init(
                    pipelineConfigRef: .init(name: "bench"), commit: "0123456789abcdef0123456789abcdef01234567",
                    branch: "main", event: .push, triggeredBy: "bench")))
    }

    /// Waits until every named run is terminal in the informer's cache.
    static func waitUntilFinished(_ names: [String], runs: Informer<PipelineRun>, limit: Duration) async throws {
        let deadline = ContinuousClock.now + limit
        while true {
            let unfinished = names.filter {
                runs.cache.get(name: $0, namespace: namespace)?.status?.phase?.isTerminal != true
            }
            if unfinished.isEmpty { return }
            if ContinuousClock.now > deadline {
                throw BenchError("\(unfinished.count) runs unfinished after \(limit), e.g. \(unfinished[0])")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Latencies of `count` Job POSTs one after another from a plain client (Jobs the coordinator ignores: no
    /// run label; the simulator completes them like any other).
    static func rawJobPosts(client: KubeClient, count: Int) async throws -> [Double] {
        var latencies: [Double] = []
        for index in 0..<count {
            let job = Job(
                metadata: ObjectMeta(name: "raw-\(index)", namespace: namespace),
                spec: JobSpec(
                    template: PodTemplateSpec(
                        spec: PodSpec(
                            containers: [Container(name: "step", image: "alpine:3")], restartPolicy: "Never"))))
            let start = ContinuousClock.now
            _ = try await client.create(job)
            latencies.append(Bench.seconds(ContinuousClock.now - start))
        }
        return latencies
    }

    static func startCoordinator(path: String?, arguments: [String], output: String) throws -> SpawnedChild {
        let executable =
            path
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("c8s-coordinator").path
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw BenchError("\(executable) not found: build the c8s-coordinator product with the same configuration")
        }
        let log = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw BenchError("cannot create \(output): \(String(cString: strerror(errno)))") }
        defer { close(log) }
        let environment = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        return try SpawnedChild.start([executable] + arguments, environment: environment, stdout: log, stderr: log)
    }

    /// utime + stime of a process from `/proc/PID/stat`.
    static func processCPUSeconds(_ pid: Int32) throws -> Double {
        let text = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the command (which may hold spaces) start after the last ')'.
        guard let close = text.lastIndex(of: ")") else { throw BenchError("unreadable /proc/\(pid)/stat") }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3): utime is field 14, stime field 15.
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw BenchError("unreadable /proc/\(pid)/stat")
        }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// VmHWM of a process in bytes.
    static func processPeakRSS(_ pid: Int32) throws -> Int {
        let text = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { throw BenchError("no VmHWM in /proc/\(pid)/status") }
        return kilobytes * 1024
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
