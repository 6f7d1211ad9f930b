import C8SCore
import Logging

/// Handles one webhook delivery end to end, independent of the HTTP server:
/// decode → find the connection → authenticate → decide → create runs.
///
/// 1. Missing signature/token header → 401; unsupported media type → 415; malformed JSON or a
///    missing field → 400 naming the byte offset or the field.
/// 2. Pings and ignored events without a repository → 200 (nothing to authenticate against,
///    nothing done).
/// 3. No connection for any of the repository's URLs (or one for another forge) → 404.
/// 4. Signature or token not matching the connection's secret → 401.
/// 5. Pings, tag pushes, branch deletions, closed pull requests and other events → 200.
/// 6. Pipeline config missing → 404; branch or `when` filters exclude everything → 200 ignored.
/// 7. Runs created → 202 with their names; delivery seen before → 200 duplicate, no new run.
public struct WebhookReceiver: Sendable {
    public let connections: any RepositoryConnectionLookup
    public let pipelines: any PipelineConfigLookup
    public let runs: any RunCreator

    public init(
        connections: any RepositoryConnectionLookup, pipelines: any PipelineConfigLookup, runs: any RunCreator
    ) {
        self.connections = connections
        self.pipelines = pipelines
        self.runs = runs
    }

    /// Handles a delivery whose whole body has been read. Never throws: failures of the lookups or
    /// of run creation become 500/503 responses.
    public func receive(
        source: WebhookSource, headers: WebhookHeaders, body: [UInt8], logger: Logger
    ) async -> WebhookResponse {
        var logger = logger
        logger[metadataKey: "webhook.source"] = "\(source.rawValue)"
        let event: ForgeEvent
        do {
            event = try source.decode(headers: headers, body: body)
        } catch {
            logger.info("webhook refused", metadata: ["webhook.status": "\(error.status)", "error": "\(error)"])
            return WebhookResponse(error)
        }
        logger[metadataKey: "webhook.delivery"] = "\(event.deliveryID)"
        logger[metadataKey: "webhook.event"] = "\(event.eventName)"
        guard let repository = event.repository else {
            let message = event.kind == .ping ? "pong" : TriggerPlanner.nonTriggeringReason(event)
            return WebhookResponse(status: 200, outcome: event.kind == .ping ? .ping : .ignored, message: message)
        }
        logger[metadataKey: "repository"] = "\(repository.keys.first?.rawValue ?? repository.cloneURL)"

        let connection: RepositoryConnection
        do {
            let keys = repository.keys
            guard let found = try await connections.connection(for: keys), source.serves(found.provider) else {
                let error = WebhookError.unknownRepository(
                    "no \(source.rawValue) repository connection for \(keys.first?.rawValue ?? repository.cloneURL)")
                logger.info("webhook for an unknown repository")
                return WebhookResponse(error)
            }
            connection = found
        } catch {
            logger.error("repository connection lookup failed", metadata: ["error": "\(error)"])
            return WebhookResponse(status: 503, outcome: .error, message: "repository connection lookup failed")
        }
        logger[metadataKey: "connection"] = "\(connection.namespace)/\(connection.name)"

        guard source.authenticate(headers: headers, body: body, secret: connection.webhookSecret) else {
            logger.warning("webhook signature does not match the connection's secret")
            return WebhookResponse(.unauthorized("\(source.credentialHeader) does not match the webhook secret"))
        }
        guard event.triggers else {
            let isPing = event.kind == .ping
            let message = isPing ? "pong" : TriggerPlanner.nonTriggeringReason(event)
            logger.debug("webhook acknowledged without a run", metadata: ["reason": "\(message)"])
            return WebhookResponse(status: 200, outcome: isPing ? .ping : .ignored, message: message)
        }

        let pipeline: PipelineSpec
        do {
            guard let found = try await pipelines.pipeline(for: connection) else {
                let message = "pipeline config \(connection.namespace)/\(connection.pipelineConfigRef) not found"
                logger.warning("webhook for a connection without its pipeline config")
                return WebhookResponse(status: 404, outcome: .error, message: message)
            }
            pipeline = found
        } catch {
            logger.error("pipeline config lookup failed", metadata: ["error": "\(error)"])
            return WebhookResponse(status: 503, outcome: .error, message: "pipeline config lookup failed")
        }

        let plan: TriggerPlan
        switch TriggerPlanner.decide(event: event, pipeline: pipeline) {
        case .ignore(let reason):
            logger.info("webhook ignored", metadata: ["reason": "\(reason)"])
            return WebhookResponse(status: 200, outcome: .ignored, message: reason)
        case .run(let decided):
            plan = decided
        }

        let request = RunRequest(
            connection: connection, event: event, pipeline: pipeline, plan: plan,
            runName: RunNaming.runName(connection: connection, deliveryID: event.deliveryID))
        do {
            switch try await runs.createRuns(request) {
            case .created(let names):
                logger.info("runs created", metadata: ["runs": "\(names.joined(separator: ","))"])
                return WebhookResponse(status: 202, outcome: .accepted, runs: names, skippedSteps: plan.skippedSteps)
            case .duplicate(let names):
                logger.info("duplicate delivery, no new run")
                return WebhookResponse(
                    status: 200, outcome: .duplicate, runs: names,
                    message: "delivery \(event.deliveryID) already handled")
            }
        } catch {
            logger.error("run creation failed", metadata: ["error": "\(error)"])
            return WebhookResponse(status: 500, outcome: .error, message: "could not create the run")
        }
    }
}
