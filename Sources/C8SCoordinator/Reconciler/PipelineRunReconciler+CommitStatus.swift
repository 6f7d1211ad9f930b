import C8SAPI
import C8SKube
import Logging

extension PipelineRunReconciler {
    // MARK: - Commit status

    static func enqueueStatus(of run: PipelineRun, into queue: WorkQueue<ObjectKey>) {
        guard run.metadata.labels?[C8SLabels.matrixParent] == nil, run.spec.commit?.isEmpty == false,
            CommitStatusProgress.next(
                phase: run.status?.phase, reported: run.metadata.annotations?[CommitStatusProgress.annotation]) != nil
        else { return }
        queue.add(run.key)
    }

    /// Reports the run's start or end to its forge when due (see ``CommitStatusProgress``), then records what was
    /// reported in the run's `c8s.dev/commit-status` annotation. Runs on its own work queue: a slow or failing forge
    /// never delays a reconcile, and a failure is logged and recorded as a Warning Event, never fails the run.
    func reportCommitStatus(
        _ key: ObjectKey, reporter: CommitStatusReporter, settings: CommitStatusConfiguration
    ) async throws -> WorkResult {
        guard let run = cachedRun(key), run.metadata.deletionTimestamp == nil,
            run.metadata.labels?[C8SLabels.matrixParent] == nil,
            let commit = run.spec.commit, !commit.isEmpty,
            let phase = CommitStatusProgress.next(
                phase: run.status?.phase, reported: run.metadata.annotations?[CommitStatusProgress.annotation])
        else { return .done }
        var logger = self.logger
        logger[metadataKey: "run.name"] = "\(key)"
        let config = run.spec.pipelineConfigRef.name
        guard let connection = connections(of: run).first, let authRef = connection.spec.authSecretRef else {
            return .done
        }
        guard let target = try await statusTarget(connection, authRef: authRef, run: run, logger: logger) else {
            try await markReported(run, phase)
            return .done
        }
        let status = CommitStatus(
            commitSHA: commit, ref: run.spec.branch, phase: phase,
            targetURL: settings.runURL(namespace: run.metadata.namespace ?? "", run: run.metadata.name ?? ""),
            pipelineName: config)
        let result = await reporter.report(status, to: target, logger: logger)
        switch result {
        case .delivered:
            try await markReported(run, phase)
            return .done
        case .rejected(let code, let message, _):
            await record(
                RunEventNote(
                    type: "Warning", reason: "CommitStatusRejected",
                    message: "the forge refused the \(phase.rawValue) commit status (HTTP \(code)): "
                        + message.prefix(200)),
                about: run, logger: logger)
            try await markReported(run, phase)
            return .done
        case .failed(let attempts, let reason):
            await record(
                RunEventNote(
                    type: "Warning", reason: "CommitStatusFailed",
                    message: "the \(phase.rawValue) commit status could not be sent after \(attempts) attempts: "
                        + reason.prefix(200)),
                about: run, logger: logger)
            return .requeueAfter(.seconds(60))
        }
    }

    /// Where to report for `connection`, with the token read (`get`) from its auth Secret; nil, with a Warning
    /// Event, when the Secret or key is missing or the provider is unknown. The token is never logged.
    func statusTarget(
        _ connection: C8SAPI.RepositoryConnection, authRef: SecretKeyReference, run: PipelineRun, logger: Logger
    ) async throws -> StatusTarget? {
        let namespace = connection.metadata.namespace ?? run.metadata.namespace ?? ""
        let key = authRef.key ?? "token"
        let repository = KubeRepositoryConnections.repositoryURL(of: connection.spec) ?? connection.spec.repository
        let secret = try await client.getIfPresent(Secret.self, name: authRef.name, namespace: namespace)
        var token = secret?.value(key).map { String(decoding: $0, as: UTF8.self) } ?? ""
        while token.hasSuffix("\n") || token.hasSuffix("\r") { token.removeLast() }
        guard
            let provider = ForgeProvider(
                connectionProvider: connection.spec.provider.rawValue, repository: repository), !token.isEmpty
        else {
            let why =
                token.isEmpty
                ? "Secret \(namespace)/\(authRef.name) key \(key) (authSecretRef of RepositoryConnection "
                    + "\(connection.metadata.name ?? "")) is missing or empty"
                : "RepositoryConnection \(connection.metadata.name ?? "") names an unknown provider"
            logger.warning("commit status not reported", metadata: ["commit.status.reason": "\(why)"])
            await record(
                RunEventNote(
                    type: "Warning", reason: "CommitStatusSkipped", message: "commit status not reported: \(why)"),
                about: run, logger: logger)
            return nil
        }
        return StatusTarget(
            provider: provider, repository: repository,
            apiBaseURL: connection.metadata.annotations?[CommitStatusProgress.apiURLAnnotation], token: token)
    }

    /// Records `phase` as reported (a merge patch of the run's annotation: no status or spec is touched).
    func markReported(_ run: PipelineRun, _ phase: CommitStatusPhase) async throws {
        do {
            writtenRuns.record(
                try await client.patch(
                    PipelineRun.self, name: run.metadata.name ?? "", namespace: run.metadata.namespace,
                    .merge(["metadata": ["annotations": [CommitStatusProgress.annotation: .string(phase.rawValue)]]])))
        } catch let error as KubeError where error.isNotFound {}
    }
}
