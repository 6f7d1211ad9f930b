import C8SKube
import C8SLogs
import Logging

/// Reads the values of the Secrets a step Pod references, with `get` in the Pod's own namespace only (never `list`,
/// never another namespace), and builds the masker for its logs.
///
/// Every Secret whose values it reads is recorded on the `c8s.audit` logger (``SecretAccessAudit``): namespace,
/// name, the keys read, run and step, purpose `mask-step-log`; never a value.
struct SecretResolver: Sendable {
    let client: KubeClient
    var audit: Logger = SecretAccessAudit.logger()

    /// The masker for `references` in `namespace`. A missing optional Secret (or key) masks nothing; a missing
    /// required one is an error (the caller retries), as is any other failure to read one.
    func masker(
        namespace: String, references: [SecretKeyRef], run: String? = nil, step: String? = nil
    ) async throws(SecretReadError) -> SecretMasker {
        var keysRead: [String: Set<String>] = [:]
        defer {
            for (name, keys) in keysRead.sorted(by: { $0.key < $1.key }) {
                SecretAccessAudit.record(
                    SecretAccessRecord(
                        component: "c8s-agent", namespace: namespace, secret: name, keys: Array(keys), run: run,
                        step: step, purpose: "mask-step-log"),
                    to: audit)
            }
        }
        var secrets: [SecretMasker.Secret] = []
        var read: [String: Secret?] = [:]
        for reference in references {
            let secret: Secret?
            if let cached = read[reference.name] {
                secret = cached
            } else {
                do {
                    secret = try await client.getIfPresent(Secret.self, name: reference.name, namespace: namespace)
                } catch let error as KubeError {
                    throw SecretReadError(name: reference.name, namespace: namespace, reason: Self.reason(error))
                } catch {
                    throw SecretReadError(name: reference.name, namespace: namespace, reason: "request failed")
                }
                read[reference.name] = secret
            }
            guard let secret else {
                if reference.optional { continue }
                throw SecretReadError(name: reference.name, namespace: namespace, reason: "not found")
            }
            let keys = reference.key.map { [$0] } ?? Self.keys(of: secret)
            for key in keys {
                guard let value = secret.value(key) else { continue }
                keysRead[reference.name, default: []].insert(key)
                secrets.append(
                    SecretMasker.Secret(
                        name: "\(reference.name)/\(key)", value: String(decoding: value, as: UTF8.self)))
            }
        }
        return SecretMasker(secrets: secrets)
    }

    static func keys(of secret: Secret) -> [String] {
        Set((secret.data ?? [:]).keys).union((secret.stringData ?? [:]).keys).sorted()
    }

    /// A reason that never carries a response body (which could echo values).
    static func reason(_ error: KubeError) -> String {
        if let status = error.httpStatus { return "HTTP \(status) (\(error.code))" }
        return "\(error.code)"
    }
}

/// A Secret a Pod references could not be read; names the Secret, never a value.
struct SecretReadError: Error, CustomStringConvertible, Sendable {
    var name: String
    var namespace: String
    var reason: String
    var description: String { "cannot read Secret \(namespace)/\(name): \(reason)" }
}
