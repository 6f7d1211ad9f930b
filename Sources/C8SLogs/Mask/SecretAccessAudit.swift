import Foundation
import Logging

/// One read of a Secret's values, or one reference to a Secret put into a Job: what, by whom, for which run and
/// step, and why. Never a value. Written as one JSON line by ``SecretAccessAudit/record(_:to:)``.
public struct SecretAccessRecord: Codable, Sendable, Hashable {
    /// RFC 3339 time of the access.
    public var time: String
    /// `c8s-agent` or `c8s-coordinator`.
    public var component: String
    /// The service account the component runs as (`system:serviceaccount:NAMESPACE:NAME`).
    public var serviceAccount: String
    public var namespace: String
    /// The Secret's name.
    public var secret: String
    /// The keys read or referenced (sorted), never their values.
    public var keys: [String]
    public var run: String?
    public var step: String?
    /// `mask-step-log` (the agent reads the values to mask a step's log) or `step-job-env` (the coordinator puts
    /// `secretKeyRef`s into a step Job; the kubelet reads the values).
    public var purpose: String

    public init(
        time: Date = Date(), component: String, serviceAccount: String = SecretAccessAudit.serviceAccount,
        namespace: String, secret: String, keys: [String], run: String?, step: String?, purpose: String
    ) {
        self.time = Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(time)
        self.component = component
        self.serviceAccount = serviceAccount
        self.namespace = namespace
        self.secret = secret
        self.keys = keys.sorted()
        self.run = run
        self.step = step
        self.purpose = purpose
    }
}

/// The audit trail of secret access: JSON lines on the logger label `c8s.audit`, at level `notice`, one per Secret
/// accessed (see docs/security.md).
public enum SecretAccessAudit {
    /// The logger label of audit records.
    public static let label = "c8s.audit"

    /// The component's service account: `C8S_SERVICE_ACCOUNT` (set from the Pod's `spec.serviceAccountName` and
    /// namespace by the Downward API in the manifests) or `unknown`.
    public static let serviceAccount: String = {
        let environment = ProcessInfo.processInfo.environment
        guard let name = environment["C8S_SERVICE_ACCOUNT"], !name.isEmpty else { return "unknown" }
        if name.hasPrefix("system:serviceaccount:") { return name }
        let namespace = environment["C8S_NAMESPACE"] ?? environment["POD_NAMESPACE"] ?? "default"
        return "system:serviceaccount:\(namespace):\(name)"
    }()

    /// A logger for audit records from the bootstrapped logging system.
    public static func logger() -> Logger { Logger(label: label) }

    /// Writes `record` as one JSON line to `logger`.
    public static func record(_ record: SecretAccessRecord, to logger: Logger) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(record) else { return }
        logger.notice("\(String(decoding: data, as: UTF8.self))")
    }
}
