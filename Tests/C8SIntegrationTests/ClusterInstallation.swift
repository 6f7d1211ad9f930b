import C8SKube
import C8SLogs
import C8STestSupport
import Foundation
import Logging

/// A real cluster with c8s installed as docs/install.md describes (`make e2e`). Each scenario gets a fresh
/// namespace `c8s-e2e-<random>`, deleted afterwards. A coordinator restart deletes the coordinator Pods (the
/// Deployment starts new ones); killing an agent deletes its Pod on that node with no grace period (the DaemonSet
/// starts a new one, which resumes from its hostPath checkpoints). Component logs are read with `kubectl logs`.
final class ClusterInstallation: Installation {
    let settings: ClusterSettings
    let client: KubeClient
    let namespace: String
    let images: E2EImages
    let logStore: any LogStore
    let nodes: [String]
    var isSimulated: Bool { false }
    var appliesJobTTL: Bool { false }
    var patience: Duration { .seconds(300) }
    var description: String { "the cluster of \(settings.kubeconfig) (namespace \(namespace))" }

    private init(
        settings: ClusterSettings, client: KubeClient, namespace: String, images: E2EImages, logStore: any LogStore,
        nodes: [String]
    ) {
        self.settings = settings
        self.client = client
        self.namespace = namespace
        self.images = images
        self.logStore = logStore
        self.nodes = nodes
    }

    static func with<T: Sendable>(
        settings: ClusterSettings, _ body: @Sendable (any Installation) async throws -> T
    ) async throws -> T {
        let images = try E2EImages.load()
        let logger = {
            var logger = Logger(label: "c8s.e2e")
            logger.logLevel = .warning
            return logger
        }()
        let configuration = try KubeConfig.load(paths: settings.kubeconfig.split(separator: ":").map(String.init))
            .clientConfiguration(context: settings.context)
        let storeURL = try LogStoreURL(settings.logStore)
        return try await storeURL.withLogStore(s3: .fromEnvironment(), logger: logger) { store in
            try await withKubeClient(configuration: configuration, logger: logger) { client in
                let nodes = try await client.list(ClusterNode.self).items
                    .filter { $0.spec?.unschedulable != true }
                    .compactMap(\.metadata.name)
                let namespace = "c8s-e2e-\(UUID().uuidString.prefix(8).lowercased())"
                _ = try await client.create(
                    ClusterNamespace(
                        metadata: ObjectMeta(
                            name: namespace, labels: ["app.kubernetes.io/part-of": "c8s-e2e"])))
                let installation = ClusterInstallation(
                    settings: settings, client: client, namespace: namespace, images: images, logStore: store,
                    nodes: nodes)
                do {
                    let result = try await body(installation)
                    _ = try? await client.delete(ClusterNamespace.self, name: namespace)
                    return result
                } catch {
                    _ = try? await client.delete(ClusterNamespace.self, name: namespace)
                    throw error
                }
            }
        }
    }

    func restartCoordinator() async throws {
        let pods = try await client.list(
            Pod.self, namespace: settings.systemNamespace,
            options: ListOptions(labelSelector: settings.coordinatorSelector)
        ).items
        guard !pods.isEmpty else {
            throw IntegrationError(
                "no coordinator Pod in \(settings.systemNamespace) matches \(settings.coordinatorSelector)")
        }
        for pod in pods {
            try await client.delete(
                Pod.self, name: pod.metadata.name ?? "", namespace: settings.systemNamespace,
                options: DeleteOptions(gracePeriodSeconds: 0))
        }
    }

    func killAgent(onNode node: String) async throws {
        let pods = try await client.list(
            Pod.self, namespace: settings.systemNamespace,
            options: ListOptions(labelSelector: settings.agentSelector, fieldSelector: "spec.nodeName=\(node)")
        ).items
        guard let pod = pods.first else {
            throw IntegrationError(
                "no agent Pod on node \(node) in \(settings.systemNamespace) matches \(settings.agentSelector)")
        }
        try await client.delete(
            Pod.self, name: pod.metadata.name ?? "", namespace: settings.systemNamespace,
            options: DeleteOptions(gracePeriodSeconds: 0))
    }

    /// `http://<agent Pod IP>:` of the agent Pod on `node`.
    func agentURLPrefix(node: String) async throws -> String {
        let pods = try await client.list(
            Pod.self, namespace: settings.systemNamespace,
            options: ListOptions(labelSelector: settings.agentSelector, fieldSelector: "spec.nodeName=\(node)")
        ).items
        guard let ip = pods.first(where: { $0.metadata.deletionTimestamp == nil })?.status?.podIP else {
            throw IntegrationError("no running agent Pod on node \(node) matches \(settings.agentSelector)")
        }
        return "http://\(ip):"
    }

    /// `kubectl logs` of every coordinator and agent Pod (all containers, including a previous instance's).
    func componentLogs() async throws -> String {
        var text = ""
        for selector in [settings.coordinatorSelector, settings.agentSelector] {
            text += try await kubectl([
                "logs", "-n", settings.systemNamespace, "-l", selector, "--all-containers", "--tail=-1",
                "--prefix", "--max-log-requests=50",
            ])
        }
        return text
    }

    private func kubectl(_ arguments: [String]) async throws -> String {
        var all: [String] = []
        if let context = settings.context { all += ["--context", context] }
        let result = try await ChildProcess.run(
            "kubectl", all + arguments,
            environment: ProcessInfo.processInfo.environment.merging(["KUBECONFIG": settings.kubeconfig]) { $1 })
        // stdout, then stderr (kubectl's warnings), as one text
        let text = result.outputText + result.errorText
        guard result.succeeded else {
            throw IntegrationError("kubectl \(arguments.joined(separator: " ")) failed: \(text)")
        }
        return text
    }
}

/// A Namespace (only what the suite needs).
struct ClusterNamespace: KubeResource {
    static let apiVersion = "v1"
    static let kind = "Namespace"
    static let plural = "namespaces"
    static let namespaced = false
    var metadata: ObjectMeta
    var unknownFields = UnknownFields()
}

/// A Node (only what the suite needs).
struct ClusterNode: KubeResource {
    static let apiVersion = "v1"
    static let kind = "Node"
    static let plural = "nodes"
    static let namespaced = false
    struct Spec: Codable, Sendable {
        var unschedulable: Bool?
    }
    var metadata: ObjectMeta
    var spec: Spec?
    var unknownFields = UnknownFields()
}
