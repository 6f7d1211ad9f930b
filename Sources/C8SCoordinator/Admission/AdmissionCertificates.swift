import Crypto
import Foundation
import SwiftASN1
import X509

/// The admission webhook's certificates as its Secret holds them: a self-signed CA (`ca.crt`, `ca.key`), the
/// serving certificate it signs for the coordinator's Service (`tls.crt`, `tls.key`), and, after the CA was
/// renewed, the previous CA (`ca-previous.crt`) so that a replica still serving the old certificate keeps
/// verifying until it reloads. All keys are ECDSA P-256; everything is PEM.
///
/// Pure: issuing takes the time and the names, and ``renewal(of:dnsNames:now:lifetimes:)`` decides what to do with
/// what a Secret holds.
public struct AdmissionCertificates: Sendable, Hashable {
    /// The Secret keys.
    public static let caCertificateKey = "ca.crt"
    public static let caPrivateKeyKey = "ca.key"
    public static let certificateKey = "tls.crt"
    public static let privateKeyKey = "tls.key"
    public static let previousCAKey = "ca-previous.crt"
    /// The largest PEM value read from the Secret (a P-256 certificate is under 1 KiB).
    public static let maxPEMBytes = 16 * 1024

    public let caPEM: String
    public let caKeyPEM: String
    public let certificatePEM: String
    public let keyPEM: String
    /// The CA before the last CA renewal, while it is still valid.
    public let previousCAPEM: String?
    /// When the CA and the serving certificate expire, and the names the serving certificate is for.
    public let caNotAfter: Date
    public let certificateNotAfter: Date
    public let certificateNotBefore: Date
    public let dnsNames: [String]
    let previousCANotAfter: Date?

    /// How long certificates live and how long before expiry they are renewed (see docs/admission.md).
    public struct Lifetimes: Sendable, Hashable {
        /// The CA lives a year and is renewed when less than 90 days remain.
        public var ca: Duration = .seconds(365 * 86_400)
        public var caRenewBefore: Duration = .seconds(90 * 86_400)
        /// The serving certificate lives 30 days and is renewed when less than 10 days remain.
        public var certificate: Duration = .seconds(30 * 86_400)
        public var certificateRenewBefore: Duration = .seconds(10 * 86_400)
        /// Certificates are valid from this long before they are issued (clocks of the API servers may lag).
        public var backdate: Duration = .seconds(300)

        public init() {}
    }

    /// What a replica does with the certificates it found.
    public enum Renewal: Sendable, Hashable {
        /// They are good: serve them.
        case keep
        /// Issue a new serving certificate with the same CA.
        case renewCertificate
        /// Issue a new CA and serving certificate, keeping the current CA in the bundle while it is valid.
        case renewCA
        /// Nothing usable: issue everything.
        case create
    }

    /// Parses the Secret's values; nil values or unparseable PEM throw.
    public init(secretData data: [String: [UInt8]]) throws(AdmissionCertificateError) {
        func text(_ key: String) throws(AdmissionCertificateError) -> String {
            guard let bytes = data[key], !bytes.isEmpty else { throw AdmissionCertificateError("\(key) is missing") }
            guard bytes.count <= Self.maxPEMBytes else {
                throw AdmissionCertificateError("\(key) is \(bytes.count) bytes; the limit is \(Self.maxPEMBytes)")
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        let caPEM = try text(Self.caCertificateKey)
        let caKeyPEM = try text(Self.caPrivateKeyKey)
        let certificatePEM = try text(Self.certificateKey)
        let keyPEM = try text(Self.privateKeyKey)
        let previous = data[Self.previousCAKey].flatMap { $0.isEmpty ? nil : String(decoding: $0, as: UTF8.self) }
        do {
            let ca = try Certificate(pemEncoded: caPEM)
            let caKey = try P256.Signing.PrivateKey(pemRepresentation: caKeyPEM)
            let certificate = try Certificate(pemEncoded: certificatePEM)
            let key = try P256.Signing.PrivateKey(pemRepresentation: keyPEM)
            guard ca.publicKey == Certificate.PublicKey(caKey.publicKey) else {
                throw AdmissionCertificateError("ca.key does not belong to ca.crt")
            }
            guard certificate.publicKey == Certificate.PublicKey(key.publicKey) else {
                throw AdmissionCertificateError("tls.key does not belong to tls.crt")
            }
            guard certificate.issuer == ca.subject,
                ca.publicKey.isValidSignature(certificate.signature, for: certificate)
            else {
                throw AdmissionCertificateError("tls.crt is not signed by ca.crt")
            }
            let names = (try? certificate.extensions.subjectAlternativeNames)??.compactMap { name -> String? in
                if case .dnsName(let dns) = name { return dns }
                return nil
            }
            let previousCA = try previous.map { try Certificate(pemEncoded: $0) }
            self.init(
                caPEM: caPEM, caKeyPEM: caKeyPEM, certificatePEM: certificatePEM, keyPEM: keyPEM,
                previousCAPEM: previous, caNotAfter: ca.notValidAfter, certificateNotAfter: certificate.notValidAfter,
                certificateNotBefore: certificate.notValidBefore, dnsNames: names ?? [],
                previousCANotAfter: previousCA?.notValidAfter)
        } catch let error as AdmissionCertificateError {
            throw error
        } catch {
            throw AdmissionCertificateError("the Secret's certificates cannot be read: \(error)")
        }
    }

    private init(
        caPEM: String, caKeyPEM: String, certificatePEM: String, keyPEM: String, previousCAPEM: String?,
        caNotAfter: Date, certificateNotAfter: Date, certificateNotBefore: Date, dnsNames: [String],
        previousCANotAfter: Date?
    ) {
        self.caPEM = caPEM
        self.caKeyPEM = caKeyPEM
        self.certificatePEM = certificatePEM
        self.keyPEM = keyPEM
        self.previousCAPEM = previousCAPEM
        self.caNotAfter = caNotAfter
        self.certificateNotAfter = certificateNotAfter
        self.certificateNotBefore = certificateNotBefore
        self.dnsNames = dnsNames
        self.previousCANotAfter = previousCANotAfter
    }

    /// The Secret's `data` (bytes, before base64).
    public var secretData: [String: [UInt8]] {
        var data = [
            Self.caCertificateKey: Array(caPEM.utf8), Self.caPrivateKeyKey: Array(caKeyPEM.utf8),
            Self.certificateKey: Array(certificatePEM.utf8), Self.privateKeyKey: Array(keyPEM.utf8),
        ]
        if let previousCAPEM { data[Self.previousCAKey] = Array(previousCAPEM.utf8) }
        return data
    }

    /// The PEM the ValidatingWebhookConfiguration's `caBundle` holds: the CA, and the previous CA while valid.
    public func caBundle(now: Date) -> String {
        guard let previousCAPEM, let previousCANotAfter, previousCANotAfter > now else { return caPEM }
        return caPEM + previousCAPEM
    }

    /// What to do with `existing` (nil: the Secret is missing or unreadable) at `now`.
    public static func renewal(
        of existing: AdmissionCertificates?, dnsNames: [String], now: Date, lifetimes: Lifetimes
    ) -> Renewal {
        guard let existing else { return .create }
        if existing.caNotAfter.timeIntervalSince(now) < seconds(lifetimes.caRenewBefore) { return .renewCA }
        let certificateLeft = existing.certificateNotAfter.timeIntervalSince(now)
        if certificateLeft < seconds(lifetimes.certificateRenewBefore) || existing.certificateNotBefore > now
            || Set(existing.dnsNames) != Set(dnsNames)
        {
            return .renewCertificate
        }
        return .keep
    }

    /// Issues what `renewal` asks for: a new CA (unless `.renewCertificate`, which reuses `existing`'s) and a
    /// serving certificate for `dnsNames`. `.keep` returns `existing`.
    public static func issue(
        _ renewal: Renewal, existing: AdmissionCertificates?, dnsNames: [String], now: Date, lifetimes: Lifetimes
    ) throws -> AdmissionCertificates {
        let notBefore = now.addingTimeInterval(-seconds(lifetimes.backdate))
        let caKey: P256.Signing.PrivateKey
        let ca: Certificate
        var previous: Certificate?
        switch (renewal, existing) {
        case (.keep, let existing?):
            return existing
        case (.renewCertificate, let existing?):
            caKey = try P256.Signing.PrivateKey(pemRepresentation: existing.caKeyPEM)
            ca = try Certificate(pemEncoded: existing.caPEM)
            previous = try existing.previousCAPEM.map { try Certificate(pemEncoded: $0) }
        default:
            caKey = P256.Signing.PrivateKey()
            let name = try DistinguishedName {
                CommonName("c8s-admission-ca")
                OrganizationName("c8s")
            }
            ca = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey), notValidBefore: notBefore,
                notValidAfter: now.addingTimeInterval(seconds(lifetimes.ca)), issuer: name, subject: name,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: .init(caKey.publicKey))
                },
                issuerPrivateKey: .init(caKey))
            if renewal == .renewCA, let existing { previous = try Certificate(pemEncoded: existing.caPEM) }
        }
        if let old = previous, old.notValidAfter <= now { previous = nil }
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(dnsNames.first ?? "c8s-admission") }
        // The serving certificate never outlives its CA.
        let notAfter = min(now.addingTimeInterval(seconds(lifetimes.certificate)), ca.notValidAfter)
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: notBefore,
            notValidAfter: notAfter, issuer: ca.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(dnsNames.map { .dnsName($0) })
                AuthorityKeyIdentifier(keyIdentifier: try? ca.extensions.subjectKeyIdentifier?.keyIdentifier)
            },
            issuerPrivateKey: .init(caKey))
        return AdmissionCertificates(
            caPEM: try ca.serializeAsPEM().pemString + "\n", caKeyPEM: caKey.pemRepresentation + "\n",
            certificatePEM: try certificate.serializeAsPEM().pemString + "\n", keyPEM: key.pemRepresentation + "\n",
            previousCAPEM: try previous.map { try $0.serializeAsPEM().pemString + "\n" }, caNotAfter: ca.notValidAfter,
            certificateNotAfter: notAfter, certificateNotBefore: notBefore, dnsNames: dnsNames,
            previousCANotAfter: previous?.notValidAfter)
    }

    /// The DNS names of Service `name` in `namespace`, as kube-apiserver addresses it.
    public static func serviceDNSNames(service name: String, namespace: String) -> [String] {
        [name, "\(name).\(namespace)", "\(name).\(namespace).svc", "\(name).\(namespace).svc.cluster.local"]
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// Why the admission certificates could not be read or stored.
public struct AdmissionCertificateError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
