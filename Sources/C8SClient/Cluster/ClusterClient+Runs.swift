import C8SAPI
import C8SCore
import C8SKube
import Foundation

extension ClusterClient {
    /// Creates a manual PipelineRun of `request.config` (named `<config>-<random>` by the server) and returns it.
    public func startRun(_ request: RunSubmission, now: Date = Date()) async throws -> PipelineRun {
        _ = try await perform("get", PipelineConfig.plural, name: request.config) {
            try await kube.get(PipelineConfig.self, name: request.config, namespace: namespace)
        }
        var metadata = ObjectMeta(namespace: namespace)
        metadata.generateName = request.config + "-"
        metadata.labels = [C8SLabels.pipelineConfig: request.config]
        let run = PipelineRun(
            metadata: metadata,
            spec: .init(
                pipelineConfigRef: .init(name: request.config), commit: request.commit, branch: request.branch,
                event: .manual, triggeredBy: target.triggeredBy, triggeredAt: KubeTime(now)))
        return try await perform("create", PipelineRun.plural) { try await kube.create(run) }
    }

    /// One run.
    public func run(named name: String) async throws -> PipelineRun {
        try await perform("get", PipelineRun.plural, name: name) {
            try await kube.get(PipelineRun.self, name: name, namespace: namespace)
        }
    }

    /// The runs of the namespace that match `filter`.
    public func runs(_ filter: RunFilter = RunFilter()) async throws -> [PipelineRun] {
        let items = try await perform("list", PipelineRun.plural) {
            try await kube.listAll(
                PipelineRun.self, namespace: namespace, options: ListOptions(labelSelector: filter.labelSelector)
            ).items
        }
        guard let config = filter.config else { return items }
        return items.filter { $0.spec.pipelineConfigRef.name == config }
    }

    /// The Events about a run (by name, and by uid when the run has one), oldest first.
    public func events(for run: PipelineRun) async throws -> [Event] {
        let name = run.metadata.name ?? ""
        let items = try await perform("list", Event.plural) {
            try await kube.listAll(
                Event.self, namespace: namespace,
                options: ListOptions(
                    fieldSelector: "involvedObject.kind=\(PipelineRun.kind),involvedObject.name=\(name)")
            ).items
        }
        return RunDescription.sortedEvents(
            items.filter { event in
                event.involvedObject.name == name
                    && (run.metadata.uid == nil || event.involvedObject.uid == nil
                        || event.involvedObject.uid == run.metadata.uid)
            })
    }

    /// Asks the coordinator to stop a run by setting `spec.cancel: true` (a merge patch: nothing else changes).
    public func cancelRun(named name: String) async throws -> CancelOutcome {
        let run = try await run(named: name)
        if let phase = run.status?.phase, phase.isTerminal { return .alreadyFinished(phase) }
        _ = try await perform("patch", PipelineRun.plural, name: name) {
            try await kube.patch(
                PipelineRun.self, name: name, namespace: namespace, .merge(["spec": ["cancel": true]]))
        }
        return .requested
    }

    /// Follows a run with a watch until it finishes, calling `output` with every phase change (see
    /// `RunProgress`), and returns the final phase. A watch that ends is reopened from the last resourceVersion
    /// seen; a resourceVersion too old (410) reads the run again.
    public func waitForRun(
        named name: String, output: (String) -> Void
    ) async throws -> PipelineRun.Phase {
        var current = try await run(named: name)
        for line in RunProgress.transitions(from: nil, to: current) { output(line) }
        var resourceVersion = current.metadata.resourceVersion
        while true {
            if let phase = current.status?.phase, phase.isTerminal { return phase }
            do {
                let options = ListOptions(
                    fieldSelector: "metadata.name=\(name)", resourceVersion: resourceVersion, timeoutSeconds: 300,
                    allowWatchBookmarks: true)
                let events = try await perform("watch", PipelineRun.plural, name: name) {
                    try await kube.watch(PipelineRun.self, namespace: namespace, options: options)
                }
                for try await event in events {
                    switch event {
                    case .added(let run), .modified(let run):
                        for line in RunProgress.transitions(from: current, to: run) { output(line) }
                        current = run
                        resourceVersion = run.metadata.resourceVersion ?? resourceVersion
                        if let phase = run.status?.phase, phase.isTerminal { return phase }
                    case .deleted:
                        throw ClientError.notFound("run \"\(name)\" was deleted while waiting for it")
                    case .bookmark(let version):
                        if !version.isEmpty { resourceVersion = version }
                    }
                }
            } catch let error as KubeError where error.isGone {
                let run = try await run(named: name)
                for line in RunProgress.transitions(from: current, to: run) { output(line) }
                current = run
                resourceVersion = run.metadata.resourceVersion
            } catch let error as KubeError {
                throw ClusterAction("watch", PipelineRun.plural, name: name, namespace: namespace)
                    .error(error, target: target)
            }
        }
    }
}
