import C8SAPI
import C8SCore
import C8SKube
import Foundation

/// Decides AdmissionReviews for the c8s resources; pure but for the ``AdmissionLookup`` it reads.
///
/// - `PipelineConfig`: the whole `c8s validate` validation of `spec`, with the same field paths
///   (`spec.steps[1].dependsOn[0]`) and messages, including every bound of docs/limits.md; a secret reference
///   to a Secret that does not exist yet, or lacks the key, is a warning (the Secret may be created later; the
///   step's Pod waits for it), not a refusal.
/// - `PipelineRun`: the config must exist; a commit must be 4 to 64 lowercase hex digits and a branch a valid git
///   ref name of at most 255 bytes; the run's peak concurrent requests (``RunQuota``) must fit what the
///   namespace's ResourceQuotas have left.
/// - `RepositoryConnection`: a known provider, a repository URL or `owner/name` c8s can match webhooks to,
///   Kubernetes names for the secret and config references; a missing Secret is a warning.
///
/// Any other kind, and `DELETE`, is allowed; so is an `UPDATE` that leaves `spec` as it was (finalizers, labels,
/// annotations: the coordinator must be able to finish a run whose config is gone) and any change of an object
/// that is being deleted.
public struct AdmissionReviewer: Sendable {
    public let lookup: any AdmissionLookup

    public init(lookup: any AdmissionLookup) {
        self.lookup = lookup
    }

    /// The response to an AdmissionReview body (a body that cannot be decoded is refused with code 400).
    public func review(_ body: [UInt8]) async -> AdmissionResponse {
        let request: AdmissionRequest
        do {
            request = try AdmissionRequest.decode(body)
        } catch {
            return AdmissionResponse(uid: "", allowed: false, message: error.message, code: 400)
        }
        return await review(request)
    }

    /// The response to a decoded request.
    public func review(_ request: AdmissionRequest) async -> AdmissionResponse {
        guard request.group == C8SGroup.name, request.operation != "DELETE", let object = request.object else {
            return .allow(request.uid)
        }
        if request.operation == "UPDATE", let old = request.oldObject, old["spec"] == object["spec"] {
            return .allow(request.uid)
        }
        if let deleting = object.value(at: "metadata.deletionTimestamp"), !deleting.isNull {
            return .allow(request.uid)
        }
        let namespace = request.namespace ?? object.value(at: "metadata.namespace")?.stringValue ?? "default"
        do {
            switch request.kind {
            case PipelineConfig.kind: return try await pipelineConfig(request.uid, object, namespace: namespace)
            case PipelineRun.kind: return try await pipelineRun(request.uid, object, namespace: namespace)
            case C8SAPI.RepositoryConnection.kind:
                return try await repositoryConnection(request.uid, object, namespace: namespace)
            default: return .allow(request.uid)
            }
        } catch {
            // A failed lookup: refuse (the failure policy of c8s's resources is Fail, so this is what the API
            // server would do without an answer), saying why.
            return .deny(request.uid, "c8s admission could not check the object: \(error)")
        }
    }

    func pipelineConfig(_ uid: String, _ object: JSONValue, namespace: String) async throws -> AdmissionResponse {
        guard let specJSON = object["spec"], specJSON.objectValue != nil else {
            return .deny(uid, "spec: a PipelineConfig needs a \"spec\" holding the pipeline")
        }
        let spec: PipelineSpec
        do {
            spec = try JSONDecoder().decode(PipelineSpec.self, from: Data(specJSON.serializedBytes))
        } catch {
            return .deny(uid, "spec: \(Self.describe(error))")
        }
        let problems = PipelineValidator.validate(spec, sourceMap: SourceMap(pathPrefix: "spec."))
        if !problems.isEmpty {
            let shown = PipelineErrors.capped(problems, limit: PipelineLimits.standard.maxReportedErrors)
            return .deny(uid, shown.map(\.description).joined(separator: "\n"))
        }
        var warnings: [String] = []
        var checked: [String: [String]?] = [:]
        for (index, step) in spec.steps.enumerated() {
            for (secretIndex, secret) in step.secrets.enumerated() {
                if checked[secret.name] == nil {
                    checked[secret.name] = .some(try await lookup.secretKeys(name: secret.name, namespace: namespace))
                }
                let field = "spec.steps[\(index)].secrets[\(secretIndex)]"
                switch checked[secret.name] {
                case .some(.none), .none:
                    warnings.append(
                        "\(field).name: Secret \(secret.name) does not exist in namespace \(namespace); step "
                            + "\(step.name) will wait for it")
                case .some(.some(let keys)) where !keys.contains(secret.key):
                    warnings.append("\(field).key: Secret \(secret.name) has no key \(secret.key)")
                default:
                    break
                }
            }
        }
        return .allow(uid, warnings: warnings)
    }

    func pipelineRun(_ uid: String, _ object: JSONValue, namespace: String) async throws -> AdmissionResponse {
        var problems: [String] = []
        guard let config = object.value(at: "spec.pipelineConfigRef.name")?.stringValue, !config.isEmpty else {
            return .deny(uid, "spec.pipelineConfigRef.name: a PipelineRun names its PipelineConfig")
        }
        if let commit = object.value(at: "spec.commit")?.stringValue, !commit.isEmpty, !GitNames.isCommitID(commit) {
            problems.append(
                "spec.commit: \(WebhookReceiver.quoted(commit)) is not a commit id (4 to 64 lowercase hexadecimal "
                    + "digits)")
        }
        if let branch = object.value(at: "spec.branch")?.stringValue, !branch.isEmpty,
            let problem = GitNames.refNameProblem(branch)
        {
            problems.append("spec.branch: \(WebhookReceiver.quoted(branch)) is not a valid git ref name: it \(problem)")
        }
        if !problems.isEmpty { return .deny(uid, problems.joined(separator: "\n")) }
        guard let spec = try await lookup.pipelineConfig(name: config, namespace: namespace) else {
            return .deny(
                uid, "spec.pipelineConfigRef.name: PipelineConfig \(config) does not exist in namespace \(namespace)")
        }
        let quotas = try await lookup.resourceQuotas(namespace: namespace)
        // A run created by the coordinator for one matrix combination was admitted with its parent.
        guard !quotas.isEmpty, object.value(at: "spec.matrix")?.objectValue == nil else { return .allow(uid) }
        if let refusal = RunQuota.refusal(spec: spec, quotas: quotas) { return .deny(uid, refusal) }
        return .allow(uid)
    }

    func repositoryConnection(_ uid: String, _ object: JSONValue, namespace: String) async throws
        -> AdmissionResponse
    {
        var problems: [String] = []
        var warnings: [String] = []
        let providers = C8SAPI.RepositoryConnection.Provider.allCases.map(\.rawValue)
        let provider = object.value(at: "spec.provider")?.stringValue ?? ""
        if !providers.contains(provider) {
            problems.append(
                "spec.provider: \(WebhookReceiver.quoted(provider)) is not a provider; use one of "
                    + providers.joined(separator: ", "))
        }
        let repository = object.value(at: "spec.repository")?.stringValue ?? ""
        if repository.utf8.count > 2048 || RepositoryKey(repository) == nil {
            problems.append(
                "spec.repository: \(WebhookReceiver.quoted(repository)) is not a repository URL (https://host/owner/"
                    + "name, git@host:owner/name) or owner/name")
        }
        let config = object.value(at: "spec.pipelineConfigRef.name")?.stringValue ?? ""
        if !Names.isDNSSubdomain(config) {
            problems.append("spec.pipelineConfigRef.name: \(WebhookReceiver.quoted(config)) is not a Kubernetes name")
        }
        for field in ["webhookSecretRef", "authSecretRef"] {
            guard let reference = object["spec"]?[field], !reference.isNull else { continue }
            let name = reference["name"]?.stringValue ?? ""
            guard Names.isDNSSubdomain(name) else {
                problems.append("spec.\(field).name: \(WebhookReceiver.quoted(name)) is not a Kubernetes name")
                continue
            }
            let key = reference["key"]?.stringValue ?? (field == "webhookSecretRef" ? "webhook-secret" : "token")
            guard Names.isSecretKey(key) else {
                problems.append("spec.\(field).key: \(WebhookReceiver.quoted(key)) is not a Secret key")
                continue
            }
            switch try await lookup.secretKeys(name: name, namespace: namespace) {
            case nil: warnings.append("spec.\(field).name: Secret \(name) does not exist in namespace \(namespace)")
            case let keys? where !keys.contains(key):
                warnings.append("spec.\(field).key: Secret \(name) has no key \(key)")
            default: break
            }
        }
        if !problems.isEmpty { return .deny(uid, problems.joined(separator: "\n"), warnings: warnings) }
        return .allow(uid, warnings: warnings)
    }

    /// A decoding error as `FIELD: problem`.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context)).\(key.stringValue): missing"
        @unknown default:
            return "\(error)"
        }
    }
}
