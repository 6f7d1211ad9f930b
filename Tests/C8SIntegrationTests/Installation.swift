import C8SAPI
import C8SCore
import C8SKube
import C8SLogs
import Foundation
import Testing

/// A whole c8s installation the scenarios run against, written once for both:
///
/// - ``SimulatedInstallation`` (`make test`): the in-memory API server, the cluster simulator with two nodes, a
///   real SeaweedFS, the coordinator in this process and one agent per node — every part real.
/// - ``ClusterInstallation`` (`make e2e`): the cluster that `C8S_E2E_KUBECONFIG` names, with c8s installed as
///   docs/install.md describes.
///
/// Scenarios create PipelineConfigs and PipelineRuns through the API, wait on watches, and read logs back from the
/// store the agents write to.
protocol Installation: Sendable {
    /// What this installation is, for messages.
    var description: String { get }
    /// Whether this is the simulated installation (scenarios that need its in-process parts check it).
    var isSimulated: Bool { get }
    /// A client of the installation's API server.
    var client: KubeClient { get }
    /// The namespace this scenario's objects live in (the cluster installation makes a fresh one per scenario).
    var namespace: String { get }
    /// The images the scenarios use.
    var images: E2EImages { get }
    /// The store the agents write step logs to.
    var logStore: any LogStore { get }
    /// The nodes step Pods may run on.
    var nodes: [String] { get }
    /// How long a scenario waits for a run at most (a cluster pulls images and schedules for real).
    var patience: Duration { get }
    /// Whether the options' `jobTTLSecondsAfterFinished` was applied to the coordinator (the cluster's
    /// coordinator keeps its own setting).
    var appliesJobTTL: Bool { get }

    /// Stops the coordinator abruptly and starts it again (a new process, or a new Pod of the Deployment).
    func restartCoordinator() async throws
    /// Kills the agent on `node` with SIGKILL (on a cluster: deletes its Pod with no grace period) and lets a new
    /// one start, as the DaemonSet would.
    func killAgent(onNode node: String) async throws
    /// What the `c8s.dev/agent-url` annotation of a Pod shipped by the agent on `node` starts with.
    func agentURLPrefix(node: String) async throws -> String
    /// The coordinator's and the agents' own logs so far.
    func componentLogs() async throws -> String
}

/// How a scenario wants its installation.
struct InstallationOptions: Sendable {
    /// `ttlSecondsAfterFinished` of step Jobs (simulated installation only).
    var jobTTLSecondsAfterFinished: Int32? = 3600
    /// Run the agents as `c8s-agent` processes (which a scenario may kill) instead of in this process.
    var agentProcesses = false
    /// Give the simulated installation its own SeaweedFS server, which the scenario may stop and start.
    var privateS3 = false
    /// Serve admission from the coordinator, with `deploy/admission_webhook.yaml` installed (simulated only; a
    /// cluster has what `deploy/` installed).
    var admission = false
}

/// Runs `body` with the installation this test run targets: the cluster `C8S_E2E_KUBECONFIG` names, else the
/// simulated one.
func withInstallation<T: Sendable>(
    _ options: InstallationOptions = InstallationOptions(), _ body: @Sendable (any Installation) async throws -> T
) async throws -> T {
    if let settings = try ClusterSettings.fromEnvironment() {
        return try await ClusterInstallation.with(settings: settings, body)
    }
    return try await SimulatedInstallation.with(options: options, body)
}

extension Installation {
    /// Creates a PipelineConfig named `name`.
    @discardableResult
    func createConfig(_ name: String, _ spec: PipelineSpec) async throws -> PipelineConfig {
        try await client.create(PipelineConfig(metadata: ObjectMeta(name: name, namespace: namespace), spec: spec))
    }

    /// Creates a run of config `config`.
    @discardableResult
    func createRun(_ name: String, config: String) async throws -> PipelineRun {
        try await client.create(
            PipelineRun(
                metadata: ObjectMeta(name: name, namespace: namespace),
                spec: .init(
                    pipelineConfigRef: .init(name: config), commit: "0123456789abcdef0123456789abcdef01234567",
                    branch: "main", event: .manual, triggeredBy: "c8s-integration-tests")))
    }

    /// A step in the scenarios' image.
    func step(
        _ name: String, after: [String] = [], timeout: PipelineDuration? = nil, secrets: [SecretReference] = [],
        _ commands: String...
    ) -> PipelineStep {
        PipelineStep(
            name: name, image: images.step, commands: commands, dependsOn: after, timeout: timeout, secrets: secrets)
    }

    /// Waits until the run satisfies `condition`.
    @discardableResult
    func waitForRun(
        _ name: String, timeout: Duration? = nil, _ what: String,
        until condition: @escaping @Sendable (PipelineRun) -> Bool
    ) async throws -> PipelineRun {
        try await client.waitFor(
            PipelineRun.self, name, namespace: namespace, timeout: timeout ?? patience, what, until: condition)
    }

    /// Waits until the run reaches a terminal phase, and returns it.
    func waitForFinish(_ name: String, timeout: Duration? = nil) async throws -> PipelineRun {
        try await waitForRun(name, timeout: timeout, "a terminal phase") { $0.status?.phase?.isTerminal == true }
    }

    /// Waits until every step that ran has its log complete in the store (`status.steps[].logs.complete`).
    @discardableResult
    func waitForLogs(_ name: String, steps: [String], timeout: Duration? = nil) async throws -> PipelineRun {
        try await waitForRun(name, timeout: timeout, "complete logs of \(steps)") { run in
            steps.allSatisfy { run.status?[step: $0]?.logs?.complete == true }
        }
    }

    /// The stored log of one step (container `step`), every record in order.
    func storedLog(run: String, step: String) async throws -> [NumberedLogRecord] {
        let location = try LogLocation(namespace: namespace, run: run, step: step, container: "step")
        var records: [NumberedLogRecord] = []
        for try await record in LogReader(store: logStore, location: location).records() { records.append(record) }
        return records
    }
}

extension Installation {
    /// Waits until every Pod of the step has stopped (each container terminated, or the Pod gone) and, with
    /// `jobDeleted`, its Job is gone; in the simulated installation also checks that no process of the step is
    /// left on any node.
    func waitForStepStopped(run: String, step: String, jobDeleted: Bool) async throws {
        let selector = "\(C8SLabels.pipelineRun)=\(run),\(C8SLabels.step)=\(step)"
        try await client.waitForList(
            Pod.self, namespace: namespace, labelSelector: selector, timeout: patience, "the step's Pods stopped"
        ) { pods in
            pods.allSatisfy { pod in
                let statuses = pod.status?.containerStatuses ?? []
                return !statuses.isEmpty && statuses.allSatisfy { $0.state?.terminated != nil }
            }
        }
        if jobDeleted {
            try await client.waitForList(
                Job.self, namespace: namespace, labelSelector: selector, timeout: patience, "the step's Job deleted"
            ) { $0.isEmpty }
        }
        if let simulated = self as? SimulatedInstallation {
            let left = simulated.simulator.processes().filter {
                $0.pod.hasPrefix(PipelineRun.jobName(run: run, step: step))
            }
            #expect(left.isEmpty, "processes of step \(step) still running: \(left)")
        }
    }
}
