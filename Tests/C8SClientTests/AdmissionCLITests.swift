import C8SAPI
import C8SCoordinator
import C8SKube
import C8STestSupport
import Foundation
import Testing

/// The validating admission webhook end to end: the coordinator serves it over HTTPS with the certificate it made,
/// the in-memory API server calls it as kube-apiserver does, and the real `kubectl` and `c8s` see its answers.
@Suite(.serialized) struct AdmissionCLITests {
    /// A PipelineConfig whose second step depends on a step that does not exist.
    static let invalidConfig = """
        apiVersion: c8s.dev/v1alpha1
        kind: PipelineConfig
        metadata: {name: broken, namespace: ci}
        spec:
          steps:
            - name: build
              image: alpine
              commands: [make]
            - name: test
              image: alpine
              dependsOn: [biuld]
              commands: [make test]

        """

    /// Three steps of one CPU each that run at once.
    static let wideConfig = """
        apiVersion: c8s.dev/v1alpha1
        kind: PipelineConfig
        metadata: {name: wide, namespace: ci}
        spec:
          steps:
            - {name: a, image: alpine, commands: ["true"], resources: {requests: {cpu: "1", memory: 64Mi}}}
            - {name: b, image: alpine, commands: ["true"], resources: {requests: {cpu: "1", memory: 64Mi}}}
            - {name: c, image: alpine, commands: ["true"], resources: {requests: {cpu: "1", memory: 64Mi}}}

        """

    static func run(_ name: String, config: String) -> String {
        """
        apiVersion: c8s.dev/v1alpha1
        kind: PipelineRun
        metadata: {name: \(name), namespace: ci}
        spec:
          pipelineConfigRef: {name: \(config)}
          commit: 7f3a9c1e2b4d6f8a0c1e3b5d7f9a1c3e5b7d9f0a
          branch: main

        """
    }

    /// What `c8s validate` prints for a file, without the `FILE:LINE:COLUMN: ` of each line.
    static func validateMessages(_ cli: ClusterCLIHarness, _ file: String) async throws -> [String] {
        let validate = try await cli.c8s(["validate", file])
        #expect(validate.status == 1)
        let lines = validate.stderr.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        try #require(!lines.isEmpty)
        return lines.map { line in
            // FILE:LINE:COLUMN: FIELD: message
            let parts = line.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
            return parts.count == 4 ? parts[3].trimmingCharacters(in: .whitespaces) : line
        }
    }

    @Test func kubectlApplyOfAnInvalidConfigIsRefusedWithTheMessageOfValidate() async throws {
        try await ClusterCLIHarness.with { cli in
            try await AdmissionHarness.install(cli)
            try cli.write(Self.invalidConfig, to: "broken.yaml")
            let messages = try await Self.validateMessages(cli, "broken.yaml")
            #expect(messages.contains { $0.contains("spec.steps[1].dependsOn[0]") })
            try await AdmissionHarness.withCoordinator(cli) { _ in
                let applied = try await AdmissionHarness.kubectl(cli, ["apply", "-f", "broken.yaml"])
                #expect(applied.status != 0)
                #expect(applied.stderr.contains("admission webhook \"validate.c8s.dev\" denied the request: "))
                for message in messages {
                    #expect(applied.stderr.contains(message), "kubectl: \(applied.stderr)\nvalidate: \(message)")
                }
                #expect(try await cli.client.getIfPresent(PipelineConfig.self, name: "broken", namespace: "ci") == nil)

                // `c8s apply` prints the same messages (it checks the file before sending it).
                let c8sApply = try await cli.c8s(["apply", "-f", "broken.yaml", "--name", "broken"])
                #expect(c8sApply.status != 0)
                for message in messages { #expect(c8sApply.stderr.contains(message), "\(c8sApply.stderr)") }

                // A namespace labelled c8s.dev/admission=disabled is not selected: the object is stored.
                _ = try cli.server.create([
                    "apiVersion": "v1", "kind": "Namespace",
                    "metadata": ["name": "lab", "labels": ["c8s.dev/admission": "disabled"]],
                ])
                try cli.write(
                    Self.invalidConfig.replacingOccurrences(of: "namespace: ci", with: "namespace: lab"),
                    to: "broken-lab.yaml")
                let unchecked = try await AdmissionHarness.kubectl(cli, ["apply", "-f", "broken-lab.yaml"])
                #expect(unchecked.status == 0, "\(unchecked.stderr)")
            }
        }
    }

    @Test func aRunOverTheNamespacesQuotaIsRefusedByKubectlAndByC8sRun() async throws {
        try await ClusterCLIHarness.with { cli in
            try await AdmissionHarness.install(cli)
            _ = try cli.server.create([
                "apiVersion": "v1", "kind": "ResourceQuota", "metadata": ["name": "team", "namespace": "ci"],
                "spec": ["hard": ["requests.cpu": "2", "requests.memory": "8Gi", "pods": "20"]],
                "status": [
                    "hard": ["requests.cpu": "2", "requests.memory": "8Gi", "pods": "20"],
                    "used": ["requests.cpu": "500m", "requests.memory": "1Gi", "pods": "1"],
                ],
            ])
            try cli.write(Self.wideConfig, to: "wide.yaml")
            try cli.write(Self.run("wide-1", config: "wide"), to: "run.yaml")
            try await AdmissionHarness.withCoordinator(cli) { _ in
                let config = try await AdmissionHarness.kubectl(cli, ["apply", "-f", "wide.yaml"])
                #expect(config.status == 0, "\(config.stderr)")
                let quota = "Would exceed CPU quota: 3.5/2 cores requested"
                let created = try await AdmissionHarness.kubectl(cli, ["create", "-f", "run.yaml"])
                #expect(created.status != 0)
                #expect(created.stderr.contains("admission webhook \"validate.c8s.dev\" denied the request: \(quota)"))
                let c8sRun = try await cli.c8s(["run", "wide"])
                #expect(c8sRun.status != 0)
                #expect(c8sRun.stderr.contains("c8s run: the API server refused the run"), "\(c8sRun.stderr)")
                #expect(!c8sRun.stderr.contains("ask a cluster admin"))
                #expect(c8sRun.stderr.contains(quota), "\(c8sRun.stderr)")
                #expect(try await cli.client.list(PipelineRun.self, namespace: "ci").items.isEmpty)

                // A run that fits is admitted.
                try cli.write(
                    Self.wideConfig.replacingOccurrences(of: "cpu: \"1\"", with: "cpu: 250m")
                        .replacingOccurrences(of: "name: wide", with: "name: narrow"), to: "narrow.yaml")
                try cli.write(Self.run("narrow-1", config: "narrow"), to: "narrow-run.yaml")
                #expect(try await AdmissionHarness.kubectl(cli, ["apply", "-f", "narrow.yaml"]).status == 0)
                let admitted = try await AdmissionHarness.kubectl(cli, ["create", "-f", "narrow-run.yaml"])
                #expect(admitted.status == 0, "\(admitted.stderr)")
                #expect(try await cli.client.getIfPresent(PipelineRun.self, name: "narrow-1", namespace: "ci") != nil)
            }
        }
    }

    @Test func failurePolicyAndTimeoutDecideWhenTheWebhookCannotAnswer() async throws {
        try await ClusterCLIHarness.with { cli in
            try await AdmissionHarness.install(cli)
            try cli.write(Self.wideConfig, to: "wide.yaml")
            // The coordinator ran once (the caBundle is filled in) and is gone: Fail refuses.
            try await AdmissionHarness.withCoordinator(cli) { _ in }
            let refused = try await AdmissionHarness.kubectl(cli, ["apply", "-f", "wide.yaml"])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("failed calling webhook \"validate.c8s.dev\""), "\(refused.stderr)")
            #expect(try await cli.client.getIfPresent(PipelineConfig.self, name: "wide", namespace: "ci") == nil)

            // Ignore admits.
            try await AdmissionHarness.setWebhook(cli, failurePolicy: "Ignore")
            let admitted = try await AdmissionHarness.kubectl(cli, ["apply", "-f", "wide.yaml"])
            #expect(admitted.status == 0, "\(admitted.stderr)")

            // A webhook that never answers: the call ends at timeoutSeconds, and the policy decides.
            let silent = try SilentListener()
            try await AdmissionHarness.setWebhook(
                cli, failurePolicy: "Fail", timeoutSeconds: 1, url: "https://127.0.0.1:\(silent.port)/admission")
            let timedOut = try await AdmissionHarness.kubectl(cli, ["apply", "-f", "wide.yaml"])
            #expect(timedOut.status != 0)
            #expect(timedOut.stderr.contains("failed calling webhook \"validate.c8s.dev\""), "\(timedOut.stderr)")
            #expect(timedOut.stderr.contains("?timeout=1s"))
            try await AdmissionHarness.setWebhook(
                cli, failurePolicy: "Ignore", timeoutSeconds: 1, url: "https://127.0.0.1:\(silent.port)/admission")
            let ignored = try await AdmissionHarness.kubectl(cli, ["apply", "-f", "wide.yaml"])
            #expect(ignored.status == 0, "\(ignored.stderr)")
        }
    }
}
