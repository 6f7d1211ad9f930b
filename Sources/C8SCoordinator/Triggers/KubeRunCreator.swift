import C8SAPI
import C8SCore
import C8SKube
import Foundation
import Logging

/// ``RunCreator`` on the Kubernetes API: creates the `PipelineRun` named ``RunRequest/runName`` in the
/// connection's namespace, then records the delivery as the connection's `status.lastEvent` (through a
/// ``LastEventRecorder``: a merge patch, concurrent deliveries coalesced).
///
/// The API server is the deduplication point: a redelivery, or the same delivery reaching two
/// coordinator replicas, tries to create the same name and gets AlreadyExists, answered as
/// ``RunCreationResult/duplicate(_:)``. A matrix pipeline still gets one run here; the reconciler fans
/// it out into its children.
public struct KubeRunCreator: RunCreator {
    public let client: KubeClient
    public let logger: Logger
    let lastEvents: LastEventRecorder
    let now: @Sendable () -> Date

    public init(client: KubeClient, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.logger = logger
        self.lastEvents = LastEventRecorder(client: client, logger: logger)
        self.now = now
    }

    public func createRuns(_ request: RunRequest) async throws -> RunCreationResult {
        let receivedAt = KubeTime(now())
        let run = Self.pipelineRun(for: request, at: receivedAt)
        let namespace = request.connection.namespace
        do {
            _ = try await client.create(run, namespace: namespace)
        } catch let error as KubeError where error.isAlreadyExists {
            return .duplicate([request.runName])
        }
        await recordLastEvent(request, receivedAt: receivedAt)
        return .created([request.runName])
    }

    /// The `PipelineRun` a request creates.
    public static func pipelineRun(for request: RunRequest, at time: KubeTime) -> PipelineRun {
        let event = request.event
        let runEvent: PipelineRun.Event
        switch event.kind {
        case .pullRequest: runEvent = .pullRequest
        case .tagPush: runEvent = .tag
        default: runEvent = .push
        }
        let connection = request.connection
        return PipelineRun(
            metadata: ObjectMeta(
                name: request.runName, namespace: connection.namespace,
                labels: [C8SLabels.pipelineConfig: connection.pipelineConfigRef],
                annotations: [
                    TriggerAnnotations.selectedSteps: SelectedSteps.encode(request.plan.selectedSteps),
                    TriggerAnnotations.delivery: event.deliveryID,
                    TriggerAnnotations.repositoryConnection: connection.name,
                ]),
            spec: .init(
                pipelineConfigRef: .init(name: connection.pipelineConfigRef), commit: event.commitSHA,
                branch: event.branch ?? event.targetBranch, event: runEvent,
                triggeredBy: event.sender ?? "webhook", triggeredAt: time))
    }

    /// Records the delivery as the connection's `status.lastEvent`.
    func recordLastEvent(_ request: RunRequest, receivedAt: KubeTime) async {
        let event = request.event
        let lastEvent = C8SAPI.RepositoryConnection.LastEvent(
            type: event.eventName, deliveryID: event.deliveryID, commit: event.commitSHA,
            branch: event.branch ?? event.targetBranch, receivedAt: receivedAt, run: request.runName)
        await lastEvents.record(
            lastEvent, connection: ObjectKey(namespace: request.connection.namespace, name: request.connection.name))
    }
}

extension WebhookRoutes {
    /// The webhook routes backed by the Kubernetes API: connections and their PipelineConfigs from `triggers` (a
    /// ``TriggerCache``, which must be running), and runs created as `PipelineRun`s.
    public static func kubernetes(
        client: KubeClient, triggers: TriggerCache, configuration: Configuration = .init(), logger: Logger
    ) -> WebhookRoutes {
        let receiver = WebhookReceiver(
            connections: triggers, pipelines: triggers, runs: KubeRunCreator(client: client, logger: logger))
        return WebhookRoutes(receiver: receiver, configuration: configuration, logger: logger)
    }
}
