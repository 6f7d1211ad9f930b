import C8STestSupport
import Foundation
import Testing

/// `deploy/` renders with the real `kubectl kustomize`, and what it renders is well formed and loads into the
/// test API server.
@Suite struct ReconcilerManifestTests {
    static func render() async throws -> String {
        let result = try await ChildProcess.run("kubectl", ["kustomize", repositoryRoot + "/deploy"])
        guard result.succeeded else {
            throw FixtureError(message: "kubectl kustomize deploy failed: \(result.errorText)")
        }
        return result.outputText
    }

    @Test func deployRendersWellFormedObjects() async throws {
        let documents = try YAMLDocuments.load(try await Self.render())
        var kinds: [String: [String]] = [:]
        for document in documents {
            let kind = try #require(document["kind"]?.stringValue)
            #expect(document["apiVersion"]?.stringValue?.isEmpty == false, "\(kind) has no apiVersion")
            let name = try #require(document["metadata"]?["name"]?.stringValue, "\(kind) has no metadata.name")
            kinds[kind, default: []].append(name)
        }
        #expect(
            Set(kinds["CustomResourceDefinition"] ?? []) == [
                "pipelineconfigs.c8s.dev", "pipelineruns.c8s.dev", "repositoryconnections.c8s.dev",
            ])
        #expect(Set(kinds["ServiceAccount"] ?? []) == ["c8s-coordinator", "c8s-agent"])
        #expect(Set(kinds["ClusterRole"] ?? []) == ["c8s-coordinator", "c8s-agent", "c8s-user", "c8s-viewer"])
        #expect(kinds["Service"] == ["c8s-coordinator"])
        #expect(kinds["ValidatingWebhookConfiguration"] == ["c8s-admission"])

        let deployment = try #require(documents.first { $0["kind"]?.stringValue == "Deployment" })
        let pod = try #require(deployment["spec"]?["template"]?["spec"])
        #expect(pod["serviceAccountName"]?.stringValue == "c8s-coordinator")
        let container = try #require(pod["containers"]?.arrayValue?.first)
        #expect(container["image"]?.stringValue?.contains("c8s-coordinator") == true)
        let args = container["args"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(args.contains("--leader-elect"))
        #expect(args.contains("--lease-name=c8s-coordinator"))
        #expect(args.contains("--identity=$(POD_NAME)"))
        #expect(container["livenessProbe"]?["httpGet"]?["path"]?.stringValue == "/healthz")
        #expect(container["readinessProbe"]?["httpGet"]?["path"]?.stringValue == "/readyz")
        #expect(args.contains("--admission"))
        let environment = container["env"]?.arrayValue ?? []
        #expect(
            environment.first { $0["name"]?.stringValue == "C8S_NAMESPACE" }?[path: [
                "valueFrom", "fieldRef", "fieldPath",
            ]]?.stringValue == "metadata.namespace")

        // The webhook: fail closed, no side effects, v1 reviews, CREATE and UPDATE of the three c8s resources,
        // through the coordinator's Service port 443, which targets the admission port.
        let webhooks = try #require(documents.first { $0["kind"]?.stringValue == "ValidatingWebhookConfiguration" })
        let webhook = try #require(webhooks["webhooks"]?.arrayValue?.first)
        #expect(webhook["failurePolicy"]?.stringValue == "Fail")
        #expect(webhook["sideEffects"]?.stringValue == "None")
        #expect(webhook["timeoutSeconds"]?.intValue == 10)
        #expect(webhook["admissionReviewVersions"]?.arrayValue == ["v1"])
        #expect(webhook[path: ["clientConfig", "service", "name"]]?.stringValue == "c8s-coordinator")
        #expect(webhook[path: ["clientConfig", "service", "namespace"]]?.stringValue == "c8s-system")
        #expect(webhook[path: ["clientConfig", "service", "path"]]?.stringValue == "/admission")
        let rule = try #require(webhook["rules"]?.arrayValue?.first)
        #expect(rule["apiGroups"]?.arrayValue == ["c8s.dev"])
        #expect(rule["operations"]?.arrayValue == ["CREATE", "UPDATE"])
        #expect(rule["resources"]?.arrayValue == ["pipelineconfigs", "pipelineruns", "repositoryconnections"])
        let service = try #require(documents.first { $0["kind"]?.stringValue == "Service" })
        let admissionPort = service[path: ["spec", "ports"]]?.arrayValue?.first {
            $0["name"]?.stringValue == "admission"
        }
        #expect(admissionPort?["port"]?.intValue == 443)
        #expect(admissionPort?["targetPort"]?.stringValue == "admission")
        let containerPort = container["ports"]?.arrayValue?.first { $0["name"]?.stringValue == "admission" }
        #expect(containerPort?["containerPort"]?.intValue == 8443)
    }

    @Test func rbacIsLeastPrivilege() async throws {
        let documents = try YAMLDocuments.load(try await Self.render())
        func rules(_ kind: String, _ name: String) throws -> [(Set<String>, Set<String>)] {
            let role = try #require(
                documents.first {
                    $0["kind"]?.stringValue == kind && $0["metadata"]?["name"]?.stringValue == name
                })
            return (role["rules"]?.arrayValue ?? []).map { rule in
                (
                    Set(rule["resources"]?.arrayValue?.compactMap(\.stringValue) ?? []),
                    Set(rule["verbs"]?.arrayValue?.compactMap(\.stringValue) ?? [])
                )
            }
        }
        func verbs(_ rules: [(Set<String>, Set<String>)], _ resource: String) -> Set<String> {
            rules.filter { $0.0.contains(resource) }.reduce(into: Set<String>()) { $0.formUnion($1.1) }
        }
        let coordinator = try rules("ClusterRole", "c8s-coordinator")
        #expect(verbs(coordinator, "secrets") == ["get"])
        #expect(verbs(coordinator, "jobs") == ["create", "get", "list", "watch", "delete"])
        #expect(verbs(coordinator, "pods") == ["get", "list", "watch"])
        #expect(verbs(coordinator, "pipelineruns/status").isSuperset(of: ["get", "update", "patch"]))
        #expect(coordinator.allSatisfy { !$0.1.contains("*") && !$0.0.contains("*") })
        #expect(verbs(try rules("Role", "c8s-coordinator-leader-election"), "leases") == ["get", "create", "update"])
        // Admission: its own Secret and its own webhook configuration, by name.
        #expect(verbs(try rules("Role", "c8s-coordinator-admission"), "secrets") == ["create", "get", "update"])
        #expect(verbs(coordinator, "validatingwebhookconfigurations") == ["get", "update", "patch"])
        let named = try #require(
            documents.first {
                $0["kind"]?.stringValue == "ClusterRole" && $0["metadata"]?["name"]?.stringValue == "c8s-coordinator"
            })["rules"]?.arrayValue?.first { $0["resources"]?.arrayValue == ["validatingwebhookconfigurations"] }
        #expect(named?["resourceNames"]?.arrayValue == ["c8s-admission"])
        let agent = try rules("ClusterRole", "c8s-agent")
        #expect(verbs(agent, "pods") == ["get", "list", "watch", "patch"])
        #expect(verbs(agent, "secrets") == ["get"])
        #expect(verbs(agent, "pipelineruns/status") == ["get", "patch"])
        #expect(Set(agent.flatMap(\.0)) == ["pods", "secrets", "pipelineruns/status"])
        // People: users run pipelines and create Secrets but never read them; viewers only read.
        let user = try rules("ClusterRole", "c8s-user")
        #expect(verbs(user, "pipelineruns") == ["get", "list", "watch", "create", "patch"])
        #expect(verbs(user, "pipelineruns/log") == ["get"])
        #expect(verbs(user, "secrets") == ["create"])
        let viewer = try rules("ClusterRole", "c8s-viewer")
        #expect(Set(viewer.flatMap(\.1)) == ["get", "list", "watch"])
        #expect(verbs(viewer, "secrets").isEmpty)
    }

    @Test func renderedObjectsLoadIntoAnAPIServer() async throws {
        let documents = try YAMLDocuments.load(try await Self.render())
        try await withTestAPIServer { server in
            for document in documents { try server.create(document) }
            #expect(
                server.get(apiVersion: "apps/v1", kind: "Deployment", namespace: "c8s-system", name: "c8s-coordinator")
                    != nil)
            #expect(!server.list(apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition").isEmpty)
        }
    }
}
