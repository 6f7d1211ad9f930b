import C8SKube
import C8STestSupport
import Foundation
import Testing

/// `daemonset/` renders with the real `kubectl kustomize`; what it renders is well formed, installs next to
/// `deploy/` without duplicates, and loads into the test API server. The agent's role is least privilege.
@Suite struct AgentManifestTests {
    static func render(_ directory: String) async throws -> [JSONValue] {
        let result = try await ChildProcess.run("kubectl", ["kustomize", repositoryRoot + "/" + directory])
        guard result.succeeded else {
            throw AgentTestTimeout(what: "kubectl kustomize \(directory) to succeed: \(result.errorText)")
        }
        return try YAMLDocuments.load(result.outputText)
    }

    @Test func daemonSetRendersWellFormedObjects() async throws {
        let documents = try await Self.render("daemonset")
        for document in documents {
            let kind = try #require(document["kind"]?.stringValue)
            #expect(document["apiVersion"]?.stringValue?.isEmpty == false, "\(kind) has no apiVersion")
            #expect(document["metadata"]?["name"]?.stringValue?.isEmpty == false, "\(kind) has no metadata.name")
            #expect(document["metadata"]?["namespace"]?.stringValue == "c8s-system", "\(kind) is not in c8s-system")
        }
        #expect(Set(documents.compactMap { $0["kind"]?.stringValue }) == ["DaemonSet", "ConfigMap"])

        let daemonSet = try #require(documents.first { $0["kind"]?.stringValue == "DaemonSet" })
        #expect(daemonSet["apiVersion"]?.stringValue == "apps/v1")
        let selector = try #require(daemonSet["spec"]?["selector"]?["matchLabels"]?.objectValue)
        let template = try #require(daemonSet["spec"]?["template"])
        let labels = try #require(template["metadata"]?["labels"]?.objectValue)
        for (key, value) in selector { #expect(labels[key] == value, "the selector does not match the template") }
        let pod = try #require(template["spec"])
        #expect(pod["serviceAccountName"]?.stringValue == "c8s-agent")
        #expect(pod["securityContext"]?["seccompProfile"]?["type"]?.stringValue == "RuntimeDefault")
        let tolerations = pod["tolerations"]?.arrayValue ?? []
        #expect(tolerations.contains { $0["operator"]?.stringValue == "Exists" && $0["key"] == nil })

        let containers = try #require(pod["containers"]?.arrayValue)
        #expect(containers.count == 1)
        let container = try #require(containers.first)
        let image = try #require(container["image"]?.stringValue)
        #expect(image.hasPrefix("ghcr.io/c8s-dev/c8s-agent:") && !image.hasSuffix(":latest"), "\(image)")
        let args = container["args"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(args.contains("--in-cluster"))
        #expect(args.contains("--log-root=/var/log/pods"))
        #expect(args.contains("--state-dir=/var/lib/c8s-agent"))
        let env = container["env"]?.arrayValue ?? []
        func fieldPath(_ name: String) -> String? {
            env.first { $0["name"]?.stringValue == name }?["valueFrom"]?["fieldRef"]?["fieldPath"]?.stringValue
        }
        #expect(fieldPath("NODE_NAME") == "spec.nodeName")
        #expect(fieldPath("POD_IP") == "status.podIP")
        let envFrom = container["envFrom"]?.arrayValue ?? []
        let configMaps = envFrom.compactMap { $0["configMapRef"]?["name"]?.stringValue }
        let configMap = try #require(configMaps.first)
        let config = try #require(
            documents.first {
                $0["kind"]?.stringValue == "ConfigMap" && $0["metadata"]?["name"]?.stringValue == configMap
            })
        let store = try #require(config["data"]?["C8S_LOG_STORE"]?.stringValue)
        #expect(store.hasPrefix("s3://") || store.hasPrefix("file://"))
        #expect(envFrom.contains { $0["secretRef"]?["optional"]?.boolValue == true })

        let port = try #require(container["ports"]?.arrayValue?.first)
        #expect(port["containerPort"]?.intValue == 8090)
        #expect(template["metadata"]?["annotations"]?["prometheus.io/port"]?.stringValue == "8090")
        #expect(container["livenessProbe"]?["httpGet"]?["path"]?.stringValue == "/healthz")
        #expect(container["readinessProbe"]?["httpGet"]?["path"]?.stringValue == "/readyz")
        #expect(container["resources"]?["requests"]?["memory"] != nil)
        #expect(container["resources"]?["limits"]?["memory"] != nil)

        // /var/log/pods read-only from the host; the state directory a hostPath too.
        let volumes = pod["volumes"]?.arrayValue ?? []
        let mounts = container["volumeMounts"]?.arrayValue ?? []
        func hostPath(mountedAt path: String) -> (String?, Bool) {
            guard let mount = mounts.first(where: { $0["mountPath"]?.stringValue == path }),
                let volume = volumes.first(where: { $0["name"] == mount["name"] })
            else { return (nil, false) }
            return (volume["hostPath"]?["path"]?.stringValue, mount["readOnly"]?.boolValue ?? false)
        }
        #expect(hostPath(mountedAt: "/var/log/pods") == ("/var/log/pods", true))
        let state = hostPath(mountedAt: "/var/lib/c8s-agent")
        #expect(state.0 == "/var/lib/c8s-agent")
        #expect(state.1 == false)
    }

    /// `deploy/` (namespace, CRDs, RBAC, coordinator) and `daemonset/` together hold each object once, and the
    /// DaemonSet's ServiceAccount is one that `deploy/` creates.
    @Test func installsNextToDeployWithoutDuplicates() async throws {
        let deploy = try await Self.render("deploy")
        let agent = try await Self.render("daemonset")
        func identity(_ document: JSONValue) -> String {
            [
                document["kind"]?.stringValue ?? "", document["metadata"]?["namespace"]?.stringValue ?? "",
                document["metadata"]?["name"]?.stringValue ?? "",
            ].joined(separator: "/")
        }
        let all = (deploy + agent).map(identity)
        #expect(Set(all).count == all.count, "duplicates: \(all)")
        #expect(all.contains("ServiceAccount/c8s-system/c8s-agent"))
        #expect(all.contains("ClusterRole//c8s-agent"))
        #expect(all.contains("Namespace//c8s-system"))
    }

    /// The agent may get, list and watch Pods, patch them (finalizer, annotation), get Secrets and get and patch
    /// run status: nothing more.
    @Test func agentRoleIsLeastPrivilege() async throws {
        let documents = try await Self.render("deploy")
        let role = try #require(
            documents.first {
                $0["kind"]?.stringValue == "ClusterRole" && $0["metadata"]?["name"]?.stringValue == "c8s-agent"
            })
        var verbs: [String: Set<String>] = [:]
        for rule in role["rules"]?.arrayValue ?? [] {
            for resource in rule["resources"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
                verbs[resource, default: []].formUnion(rule["verbs"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            }
        }
        #expect(
            verbs == [
                "pods": ["get", "list", "watch", "patch"], "secrets": ["get"], "pipelineruns/status": ["get", "patch"],
            ])
    }

    /// Installed as documented: `deploy/` first (namespace, RBAC), then `daemonset/`.
    @Test func renderedObjectsLoadIntoAnAPIServer() async throws {
        let documents = try await Self.render("deploy") + Self.render("daemonset")
        try await withTestAPIServer { server in
            for document in documents { try server.create(document) }
            #expect(
                server.get(apiVersion: "apps/v1", kind: "DaemonSet", namespace: "c8s-system", name: "c8s-agent") != nil)
            #expect(server.get(apiVersion: "v1", kind: "ConfigMap", namespace: "c8s-system", name: "c8s-agent") != nil)
        }
    }
}
