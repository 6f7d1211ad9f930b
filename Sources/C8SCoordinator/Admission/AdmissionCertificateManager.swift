import C8SKube
import Foundation
import Logging
import NIOSSL
import Synchronization

/// Keeps the admission certificates of one coordinator replica: reads the Secret, creates it when it is missing
/// and renews what ``AdmissionCertificates/renewal(of:dnsNames:now:lifetimes:)`` says is due, with optimistic
/// concurrency (a create that finds the Secret already there, or an update that finds it changed, reads it again
/// and serves what the other replica wrote), then writes the CA bundle into the webhook configuration's
/// `caBundle`. Every replica runs one; they agree through the Secret.
///
/// Needs `get`, `create` and `update` on the Secret, and `get` and `update` on the ValidatingWebhookConfiguration.
public final class AdmissionCertificateManager: Sendable {
    /// The serving chain and key a TLS handshake uses.
    struct Served: Sendable {
        var certificates: AdmissionCertificates
        var chain: [NIOSSLCertificate]
        var key: NIOSSLPrivateKey
    }

    let client: KubeClient
    let configuration: AdmissionConfiguration
    let namespace: String
    let logger: Logger
    private let served = Mutex<Served?>(nil)

    public init(client: KubeClient, configuration: AdmissionConfiguration, logger: Logger) {
        self.client = client
        self.configuration = configuration
        self.namespace = configuration.namespace ?? client.configuration.namespace
        self.logger = logger
    }

    /// The DNS names the serving certificate is for.
    public var dnsNames: [String] {
        AdmissionCertificates.serviceDNSNames(service: configuration.serviceName, namespace: namespace)
    }

    /// The certificates being served (nil before the first ``sync(now:)``).
    public var certificates: AdmissionCertificates? { served.withLock { $0?.certificates } }

    var current: Served? { served.withLock { $0 } }

    /// One pass: the Secret (created or renewed when due, else reloaded), then the webhook configuration's
    /// `caBundle`. Returns the certificates now served.
    @discardableResult
    public func sync(now: Date = Date()) async throws -> AdmissionCertificates {
        let certificates = try await syncSecret(now: now)
        try install(certificates)
        try await syncCABundle(certificates.caBundle(now: now))
        return certificates
    }

    private func syncSecret(now: Date) async throws -> AdmissionCertificates {
        let name = configuration.secretName
        for _ in 0..<5 {
            let secret = try await client.getIfPresent(Secret.self, name: name, namespace: namespace)
            var existing: AdmissionCertificates?
            if let secret {
                var data: [String: [UInt8]] = [:]
                for key in (secret.data ?? [:]).keys { data[key] = secret.value(key) }
                do {
                    existing = try AdmissionCertificates(secretData: data)
                } catch {
                    logger.warning(
                        "admission Secret unreadable; issuing new certificates",
                        metadata: ["secret.name": "\(name)", "error.message": "\(error)"])
                }
            }
            let renewal = AdmissionCertificates.renewal(
                of: existing, dnsNames: dnsNames, now: now, lifetimes: configuration.lifetimes)
            if renewal == .keep, let existing { return existing }
            let issued = try AdmissionCertificates.issue(
                renewal, existing: existing, dnsNames: dnsNames, now: now, lifetimes: configuration.lifetimes)
            do {
                if var secret {
                    secret.data = issued.secretData.mapValues { Data($0).base64EncodedString() }
                    secret.stringData = nil
                    _ = try await client.update(secret)
                } else {
                    let secret = Secret(
                        metadata: ObjectMeta(
                            name: name, namespace: namespace,
                            labels: ["app.kubernetes.io/name": "c8s", "app.kubernetes.io/component": "admission"]),
                        type: "kubernetes.io/tls", data: issued.secretData)
                    _ = try await client.create(secret)
                }
                logger.notice(
                    "admission certificates issued",
                    metadata: [
                        "secret.name": "\(name)", "admission.renewal": "\(renewal)",
                        "certificate.not_after": "\(issued.certificateNotAfter)",
                        "ca.not_after": "\(issued.caNotAfter)",
                    ])
                return issued
            } catch let error as KubeError where error.isConflict || error.isAlreadyExists {
                // Another replica wrote it first: read what it wrote.
                continue
            }
        }
        throw AdmissionCertificateError("Secret \(namespace)/\(name) kept changing while it was renewed")
    }

    private func install(_ certificates: AdmissionCertificates) throws {
        if served.withLock({ $0?.certificates == certificates }) { return }
        let chain = try NIOSSLCertificate.fromPEMBytes(Array(certificates.certificatePEM.utf8))
        let key = try NIOSSLPrivateKey(bytes: Array(certificates.keyPEM.utf8), format: .pem)
        served.withLock { $0 = Served(certificates: certificates, chain: chain, key: key) }
    }

    /// Writes `bundle` into every webhook of the configuration that calls this Service (or names no Service).
    private func syncCABundle(_ bundle: String) async throws {
        let encoded = Data(bundle.utf8).base64EncodedString()
        let name = configuration.webhookConfigurationName
        try await retryOnConflict {
            guard
                var webhooks = try await client.getIfPresent(ValidatingWebhookConfiguration.self, name: name)
            else {
                logger.notice(
                    "no ValidatingWebhookConfiguration to fill in; admission is not called",
                    metadata: ["webhook.configuration": "\(name)"])
                return
            }
            var changed = false
            for index in (webhooks.webhooks ?? []).indices {
                let config = webhooks.webhooks![index].clientConfig
                if let service = config.service,
                    service.name != configuration.serviceName || service.namespace != namespace
                {
                    continue
                }
                if config.caBundle != encoded {
                    webhooks.webhooks![index].clientConfig.caBundle = encoded
                    changed = true
                }
            }
            guard changed else { return }
            _ = try await client.update(webhooks)
            logger.info("admission caBundle updated", metadata: ["webhook.configuration": "\(name)"])
        }
    }
}
