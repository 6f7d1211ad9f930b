import C8SCore
import Logging

/// Handles one webhook delivery end to end, independent of the HTTP server:
/// find the claimed repository → authenticate → decode → decide → create runs.
///
/// The body is not parsed before its signature is known good: the repository it claims is found by a bounded
/// scan of the raw bytes (``JSONPathScan``), and an unknown repository answers exactly like a bad signature,
/// so nobody without a webhook secret can learn which repositories are connected or make the coordinator
/// parse their JSON.
///
/// 1. Missing signature/token header → 401; unsupported media type → 415.
/// 2. No repository found in the body: a ping (by its header) → 200 pong, anything else → 401.
/// 3. No connection for any of the repository's URLs (or one for another forge), or a signature or token
///    not matching the connection's secret → the same 401.
/// 4. Malformed JSON or a missing field → 400 naming the byte offset or the field; a commit that is not 40
///    or 64 hex digits, or a branch or tag that breaks git's ref-name rules or the length bound → 400.
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
        guard source.hasCredentials(headers) else {
            return WebhookResponse(.unauthorized("missing header \(source.credentialHeader)"))
        }
        do {
            _ = try source.jsonBytes(headers: headers, body: body)
        } catch {
            return WebhookResponse(error)
        }
        let refused = WebhookError.unauthorized(
            "\(source.credentialHeader) does not match the webhook secret of a \(source.rawValue) repository "
                + "connection")
        let keys = source.claimedRepositoryKeys(headers: headers, body: body)
        guard !keys.isEmpty else {
            if source.isPing(headers) {
                return WebhookResponse(status: 200, outcome: .ping, message: "pong")
            }
            logger.info("webhook without a repository refused")
            return WebhookResponse(refused)
        }
        logger[metadataKey: "repository"] = "\(keys[0].rawValue)"

        let connection: ConnectedRepository
        do {
            guard let found = try await connections.connection(for: keys), source.serves(found.provider) else {
                // Spend the same work as a real check, so timing does not tell an unknown repository apart.
                _ = source.authenticate(headers: headers, body: body, secret: "c8s-no-connection")
                logger.info("webhook refused: no connection or bad signature")
                return WebhookResponse(refused)
            }
            connection = found
        } catch {
            logger.error("repository connection lookup failed", metadata: ["error.message": "\(error)"])
            return WebhookResponse(status: 503, outcome: .error, message: "repository connection lookup failed")
        }
        guard source.authenticate(headers: headers, body: body, secret: connection.webhookSecret) else {
            logger.info("webhook refused: no connection or bad signature")
            return WebhookResponse(refused)
        }
        logger[metadataKey: "connection"] = "\(connection.namespace)/\(connection.name)"

        let event: ForgeEvent
        do {
            event = try source.decode(headers: headers, body: body)
            try Self.checkNames(event)
        } catch {
            logger.info(
                "webhook refused", metadata: ["webhook.status": "\(error.status)", "error.message": "\(error)"])
            return WebhookResponse(error)
        }
        logger[metadataKey: "webhook.delivery"] = "\(event.deliveryID)"
        logger[metadataKey: "webhook.event"] = "\(event.eventName)"
        if let repository = event.repository {
            // The parsed repository must be the one the scan found and the signature vouched for.
            let parsed = try? await connections.connection(for: repository.keys)
            guard parsed?.namespace == connection.namespace, parsed?.name == connection.name else {
                logger.warning("webhook body names another repository than the one authenticated")
                return WebhookResponse(refused)
            }
        }
        guard event.triggers else {
            let isPing = event.kind == .ping
            let message = isPing ? "pong" : TriggerPlanner.nonTriggeringReason(event)
            logger.debug("webhook acknowledged without a run", metadata: ["webhook.reason": "\(message)"])
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
            logger.error("pipeline config lookup failed", metadata: ["error.message": "\(error)"])
            return WebhookResponse(status: 503, outcome: .error, message: "pipeline config lookup failed")
        }

        let plan: TriggerPlan
        switch TriggerPlanner.decide(event: event, pipeline: pipeline) {
        case .ignore(let reason):
            logger.info("webhook ignored", metadata: ["webhook.reason": "\(reason)"])
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
                logger.info("runs created", metadata: ["run.names": "\(names.joined(separator: ","))"])
                return WebhookResponse(status: 202, outcome: .accepted, runs: names, skippedSteps: plan.skippedSteps)
            case .duplicate(let names):
                logger.info("duplicate delivery, no new run")
                return WebhookResponse(
                    status: 200, outcome: .duplicate, runs: names,
                    message: "delivery \(event.deliveryID) already handled")
            }
        } catch {
            logger.error("run creation failed", metadata: ["error.message": "\(error)"])
            return WebhookResponse(status: 500, outcome: .error, message: "could not create the run")
        }
    }

    /// Refuses a commit that is not a full object id (Bitbucket Cloud's pull request events carry 12-digit
    /// abbreviations, so there 4 to 64 digits are accepted), and a branch or tag git would not accept.
    static func checkNames(_ event: ForgeEvent) throws(WebhookError) {
        if let commit = event.commitSHA {
            let abbreviated = event.provider == .bitbucketCloud
            guard abbreviated ? GitNames.isCommitID(commit) : GitNames.isFullCommitID(commit) else {
                let digits = abbreviated ? "4 to 64" : "40 or 64"
                throw .malformed(
                    "commit \(Self.quoted(commit)) is not a commit id (\(digits) lowercase hexadecimal digits)")
            }
        }
        for (field, name) in [("branch", event.branch), ("target branch", event.targetBranch), ("tag", event.tag)] {
            guard let name, let problem = GitNames.refNameProblem(name) else { continue }
            throw .malformed("\(field) \(Self.quoted(name)) is not a valid git ref name: it \(problem)")
        }
    }

    /// At most 64 characters of `text`, quoted, with control characters escaped: safe in a response or a log.
    static func quoted(_ text: String) -> String {
        var shown = ""
        for scalar in text.unicodeScalars.prefix(64) {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                shown += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                shown.unicodeScalars.append(scalar)
            }
        }
        if text.unicodeScalars.count > 64 { shown += "…" }
        return "\"" + shown + "\""
    }
}
