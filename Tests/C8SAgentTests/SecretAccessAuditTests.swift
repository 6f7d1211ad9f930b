import C8SKube
import C8SLogs
import C8STestSupport
import Foundation
import Testing

@testable import C8SAgent

/// Every read of a Secret's values by the agent is an audit record on `c8s.audit`: content checked, no value.
@Suite("Agent: secret access audit")
struct SecretAccessAuditTests {
    @Test func readingSecretsToMaskALogIsAudited() async throws {
        try await AgentCluster.with(nodes: ["node-a"]) { cluster in
            let value = "audit-value-\(UUID().uuidString)"
            try await cluster.createSecret("deploy-keys", ["token": value, "other": value + "-2"])
            try await cluster.createSecret("registry", ["password": value + "-3"])
            let captured = CapturedLogs()
            let resolver = SecretResolver(client: cluster.client, audit: captured.logger(SecretAccessAudit.label))
            let masker = try await resolver.masker(
                namespace: "default",
                references: [
                    SecretKeyRef(name: "deploy-keys", key: "token", optional: false),
                    SecretKeyRef(name: "registry", key: nil, optional: false),
                    SecretKeyRef(name: "missing", key: "x", optional: true),
                ],
                run: "run-1", step: "build")
            #expect(masker.mask("v=\(value)") == "v=***")
            let lines = captured.all
            #expect(lines.count == 2)
            let records = try lines.map { line in
                let json = try #require(line.firstIndex(of: "{").map { String(line[$0...]) })
                return try JSONDecoder().decode(
                    SecretAccessRecord.self, from: Data(json.trimmingCharacters(in: .whitespaces).utf8))
            }
            #expect(records.map(\.secret) == ["deploy-keys", "registry"])
            #expect(records[0].keys == ["token"])
            #expect(records[1].keys == ["password"])
            for record in records {
                #expect(record.component == "c8s-agent")
                #expect(record.namespace == "default")
                #expect(record.run == "run-1" && record.step == "build")
                #expect(record.purpose == "mask-step-log")
                #expect(!record.serviceAccount.isEmpty)
                #expect(ISO8601DateFormatter().date(from: String(record.time.prefix(19)) + "Z") != nil)
            }
            #expect(lines.allSatisfy { $0.hasPrefix("c8s.audit notice ") })
            #expect(!captured.text.contains("audit-value"))
        }
    }
}
