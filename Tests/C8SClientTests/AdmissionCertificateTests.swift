import C8SAPI
import C8SCoordinator
import C8SKube
import C8STestSupport
import Foundation
import Testing

/// The admission certificate's lifecycle across coordinator replicas, through the in-memory API server: the
/// Secret is created once, the caBundle filled in, another replica reuses it, and a near-expiry certificate is
/// renewed while the API server keeps verifying the webhook.
@Suite(.serialized) struct AdmissionCertificateTests {
    @Test func theFirstReplicaCreatesTheSecretAndTheNextReusesIt() async throws {
        try await ClusterCLIHarness.with { cli in
            try await AdmissionHarness.install(cli)
            #expect(try AdmissionHarness.caBundle(cli) == nil)
            let first = try await AdmissionHarness.withCoordinator(cli) { _ in
                try await AdmissionHarness.secretData(cli)
            }
            #expect(Set(first.keys) == ["ca.crt", "ca.key", "tls.crt", "tls.key"])
            let certificates = try AdmissionCertificates(secretData: first)
            #expect(
                Set(certificates.dnsNames) == [
                    "c8s-coordinator", "c8s-coordinator.c8s-system", "c8s-coordinator.c8s-system.svc",
                    "c8s-coordinator.c8s-system.svc.cluster.local",
                ])
            #expect(try AdmissionHarness.caBundle(cli) == certificates.caPEM)
            let secret = try await cli.client.get(
                Secret.self, name: AdmissionHarness.secretName, namespace: "c8s-system")
            #expect(secret.type == "kubernetes.io/tls")

            // Two replicas at once: both serve the certificate of the Secret, which neither rewrites.
            try await AdmissionHarness.withCoordinator(cli) { firstPort in
                try await AdmissionHarness.withCoordinator(cli) { secondPort in
                    #expect(firstPort != secondPort)
                    #expect(try await AdmissionHarness.secretData(cli) == first)
                    // The API server reaches the second replica (the Service resolves to it now) and verifies it.
                    try cli.write(AdmissionCLITests.wideConfig, to: "wide.yaml")
                    let applied = try await AdmissionHarness.kubectl(cli, ["apply", "-f", "wide.yaml"])
                    #expect(applied.status == 0, "\(applied.stderr)")
                }
            }
            #expect(try await AdmissionHarness.secretData(cli) == first)
        }
    }

    @Test func aNearExpiryCertificateIsRenewedAndTheAPIServerKeepsVerifying() async throws {
        try await ClusterCLIHarness.with { cli in
            try await AdmissionHarness.install(cli)
            _ = try await AdmissionHarness.withCoordinator(cli) { _ in }
            // Replace the serving certificate with one issued 29 days ago: one day left, under the 10 of renewal.
            let names = AdmissionCertificates.serviceDNSNames(service: "c8s-coordinator", namespace: "c8s-system")
            let current = try AdmissionCertificates(secretData: try await AdmissionHarness.secretData(cli))
            let old = try AdmissionCertificates.issue(
                .renewCertificate, existing: current, dnsNames: names, now: Date().addingTimeInterval(-29 * 86_400),
                lifetimes: .init())
            var secret = try await cli.client.get(
                Secret.self, name: AdmissionHarness.secretName, namespace: "c8s-system")
            secret.data = old.secretData.mapValues { Data($0).base64EncodedString() }
            _ = try await cli.client.update(secret)

            try await AdmissionHarness.withCoordinator(cli) { _ in
                let renewed = try AdmissionCertificates(secretData: try await AdmissionHarness.secretData(cli))
                #expect(renewed.certificatePEM != old.certificatePEM)
                #expect(renewed.caPEM == current.caPEM)
                #expect(renewed.certificateNotAfter.timeIntervalSinceNow > 20 * 86_400)
                #expect(try AdmissionHarness.caBundle(cli) == current.caPEM)
                try cli.write(AdmissionCLITests.invalidConfig, to: "broken.yaml")
                let refused = try await AdmissionHarness.kubectl(cli, ["apply", "-f", "broken.yaml"])
                #expect(refused.stderr.contains("denied the request"), "\(refused.stderr)")
            }
        }
    }

    @Test func aRunningReplicaReloadsWhatAnotherRenewed() async throws {
        try await ClusterCLIHarness.with { cli in
            try await AdmissionHarness.install(cli)
            try cli.write(AdmissionCLITests.invalidConfig, to: "broken.yaml")
            try await AdmissionHarness.withCoordinator(cli, configure: { $0.checkInterval = .milliseconds(100) }) {
                _ in
                let before = try await AdmissionHarness.secretData(cli)
                // Another replica renewed the CA: the Secret holds a new CA, and the old one as ca-previous.crt.
                let current = try AdmissionCertificates(secretData: before)
                let names = AdmissionCertificates.serviceDNSNames(service: "c8s-coordinator", namespace: "c8s-system")
                let renewed = try AdmissionCertificates.issue(
                    .renewCA, existing: current, dnsNames: names, now: Date(), lifetimes: .init())
                #expect(renewed.previousCAPEM == current.caPEM)
                var secret = try await cli.client.get(
                    Secret.self, name: AdmissionHarness.secretName, namespace: "c8s-system")
                secret.data = renewed.secretData.mapValues { Data($0).base64EncodedString() }
                _ = try await cli.client.update(secret)
                // The replica writes both CAs into the caBundle and serves the new certificate.
                try await withDeadline(.seconds(30), "the caBundle to hold both CAs") {
                    while try AdmissionHarness.caBundle(cli) != renewed.caPEM + current.caPEM {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                let refused = try await AdmissionHarness.kubectl(cli, ["apply", "-f", "broken.yaml"])
                #expect(refused.stderr.contains("denied the request"), "\(refused.stderr)")
            }
        }
    }
}
