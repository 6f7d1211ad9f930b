import C8SCoordinator
import Foundation
import Testing

/// The pure certificate decisions: when a replica keeps, renews or creates, and what it issues.
@Suite struct AdmissionCertificatesTests {
    static let names = AdmissionCertificates.serviceDNSNames(service: "c8s-coordinator", namespace: "c8s-system")
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let day: TimeInterval = 86_400

    static func issued(daysAgo: Double, names: [String] = names) throws -> AdmissionCertificates {
        try AdmissionCertificates.issue(
            .create, existing: nil, dnsNames: names, now: now.addingTimeInterval(-daysAgo * day), lifetimes: .init())
    }

    @Test(arguments: [
        // (days since issue, expected): the certificate lives 30 days, renewed under 10 left; the CA 365, under 90.
        (0.0, AdmissionCertificates.Renewal.keep),
        (19.9, .keep),
        (20.1, .renewCertificate),
        (29.0, .renewCertificate),
        (31.0, .renewCertificate),
        (276.0, .renewCA),
        (400.0, .renewCA),
    ])
    func renewal(daysAgo: Double, expected: AdmissionCertificates.Renewal) throws {
        let certificates = try Self.issued(daysAgo: daysAgo)
        #expect(
            AdmissionCertificates.renewal(of: certificates, dnsNames: Self.names, now: Self.now, lifetimes: .init())
                == expected)
    }

    @Test func missingOrForOtherNames() throws {
        #expect(
            AdmissionCertificates.renewal(of: nil, dnsNames: Self.names, now: Self.now, lifetimes: .init()) == .create)
        let other = try Self.issued(daysAgo: 1, names: ["c8s-coordinator.other.svc"])
        #expect(
            AdmissionCertificates.renewal(of: other, dnsNames: Self.names, now: Self.now, lifetimes: .init())
                == .renewCertificate)
    }

    @Test func theSecretRoundTripsAndIsChecked() throws {
        let certificates = try Self.issued(daysAgo: 0)
        let parsed = try AdmissionCertificates(secretData: certificates.secretData)
        #expect(parsed == certificates)
        #expect(parsed.caBundle(now: Self.now) == parsed.caPEM)
        var data = certificates.secretData
        data["tls.key"] = try Self.issued(daysAgo: 0).secretData["tls.key"]
        #expect(throws: AdmissionCertificateError.self) { try AdmissionCertificates(secretData: data) }
        var foreign = certificates.secretData
        foreign["tls.crt"] = try Self.issued(daysAgo: 0).secretData["tls.crt"]
        foreign["tls.key"] = try Self.issued(daysAgo: 0).secretData["tls.key"]
        #expect(throws: AdmissionCertificateError.self) { try AdmissionCertificates(secretData: foreign) }
        data = certificates.secretData
        data["ca.crt"] = nil
        #expect(throws: AdmissionCertificateError.self) { try AdmissionCertificates(secretData: data) }
        data = certificates.secretData
        data["ca.crt"] = Array(repeating: 65, count: AdmissionCertificates.maxPEMBytes + 1)
        #expect(throws: AdmissionCertificateError.self) { try AdmissionCertificates(secretData: data) }
    }

    @Test func renewingTheCAKeepsTheOldOneInTheBundleWhileItIsValid() throws {
        let old = try Self.issued(daysAgo: 300)
        let renewed = try AdmissionCertificates.issue(
            .renewCA, existing: old, dnsNames: Self.names, now: Self.now, lifetimes: .init())
        #expect(renewed.caPEM != old.caPEM)
        #expect(renewed.previousCAPEM == old.caPEM)
        #expect(renewed.caBundle(now: Self.now) == renewed.caPEM + old.caPEM)
        // Once the old CA expired it leaves the bundle.
        #expect(renewed.caBundle(now: old.caNotAfter.addingTimeInterval(1)) == renewed.caPEM)
        let parsed = try AdmissionCertificates(secretData: renewed.secretData)
        #expect(parsed.previousCAPEM == old.caPEM)
        // A serving certificate renewal keeps the CA.
        let next = try AdmissionCertificates.issue(
            .renewCertificate, existing: renewed, dnsNames: Self.names, now: Self.now, lifetimes: .init())
        #expect(next.caPEM == renewed.caPEM)
        #expect(next.certificatePEM != renewed.certificatePEM)
        // The serving certificate never outlives the CA.
        let late = try AdmissionCertificates.issue(
            .renewCertificate, existing: old, dnsNames: Self.names, now: Self.now.addingTimeInterval(60 * Self.day),
            lifetimes: .init())
        #expect(late.certificateNotAfter <= old.caNotAfter)
    }
}
