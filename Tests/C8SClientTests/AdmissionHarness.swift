import C8SCoordinator
import C8SKube
import C8STestSupport
import Foundation
import Glibc
import Logging
import ServiceLifecycle
import Testing

/// A coordinator with admission enabled (in-process `buildCoordinator`, leader election off, its reconciler on an
/// unused namespace) against the CLI harness's test API server, with `deploy/admission_webhook.yaml` applied by the
/// real `kubectl` and the Service `c8s-system/c8s-coordinator` resolved to the coordinator's admission port.
enum AdmissionHarness {
    static let webhook = "validate.c8s.dev"
    static let secretName = "c8s-admission-tls"

    /// Creates `c8s-system` and applies the webhook configuration of `deploy/` with kubectl.
    static func install(_ cli: ClusterCLIHarness) async throws {
        if cli.server.get(apiVersion: "v1", kind: "Namespace", name: "c8s-system") == nil {
            _ = try cli.server.create(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "c8s-system"]])
        }
        let result = try await kubectl(cli, ["apply", "-f", repositoryRoot + "/deploy/admission_webhook.yaml"])
        try #require(result.status == 0, "kubectl apply of the webhook configuration: \(result.stderr)")
    }

    /// Runs `kubectl ARGUMENTS` with the harness's kubeconfig.
    static func kubectl(_ cli: ClusterCLIHarness, _ arguments: [String]) async throws -> CLIResult {
        let result = try await ChildProcess.run(
            "kubectl", ["--kubeconfig", cli.kubeconfig] + arguments,
            environment: cli.environment(kubeconfig: cli.kubeconfig), workingDirectory: cli.directory.path)
        return CLIResult(status: result.exitCode ?? -1, stdout: result.outputText, stderr: result.errorText)
    }

    /// Runs a coordinator with admission for `body` (given the admission port), then shuts it down.
    static func withCoordinator<T: Sendable>(
        _ cli: ClusterCLIHarness, configure: (inout AdmissionConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (Int) async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "c8s.test.coordinator")
        logger.logLevel = .critical
        var configuration = CoordinatorConfiguration()
        configuration.namespaces = ["unwatched"]
        configuration.leaderElection = false
        configuration.httpHost = "127.0.0.1"
        configuration.httpPort = 0
        var admission = AdmissionConfiguration()
        admission.port = 0
        admission.namespace = "c8s-system"
        configure(&admission)
        configuration.admission = admission
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let coordinator = buildCoordinator(
            configuration: configuration, client: cli.client, logger: logger,
            api: CoordinatorAPIConfiguration(enabled: false),
            onAdmissionServerRunning: { portContinuation.yield($0) })
        let group = ServiceGroup(
            configuration: .init(services: coordinator.services.map { .init(service: $0) }, logger: logger))
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            do {
                let port = try await withDeadline(.seconds(60), "the admission server to listen") {
                    var iterator = ports.makeAsyncIterator()
                    return try #require(await iterator.next())
                }
                cli.server.resolveService(
                    namespace: "c8s-system", name: "c8s-coordinator", host: "127.0.0.1", port: port)
                let result = try await body(port)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }

    /// The admission Secret's values.
    static func secretData(_ cli: ClusterCLIHarness) async throws -> [String: [UInt8]] {
        let secret = try await cli.client.get(Secret.self, name: secretName, namespace: "c8s-system")
        var data: [String: [UInt8]] = [:]
        for key in (secret.data ?? [:]).keys { data[key] = secret.value(key) }
        return data
    }

    /// The `caBundle` of the webhook, decoded.
    static func caBundle(_ cli: ClusterCLIHarness) throws -> String? {
        let configuration = cli.server.get(
            apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingWebhookConfiguration",
            name: "c8s-admission")
        return configuration?["webhooks"]?.arrayValue?.first?[path: ["clientConfig", "caBundle"]]?.stringValue
            .flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Sets the webhook's `failurePolicy` and `timeoutSeconds`, and optionally points it at `url`.
    static func setWebhook(
        _ cli: ClusterCLIHarness, failurePolicy: String, timeoutSeconds: Int = 10, url: String? = nil
    ) async throws {
        var clientConfig =
            "\"service\":{\"namespace\":\"c8s-system\",\"name\":\"c8s-coordinator\",\"path\":"
            + "\"/admission\",\"port\":443}"
        if let url { clientConfig = "\"service\":null,\"url\":\"\(url)\"" }
        let patch = """
            [{"op":"replace","path":"/webhooks/0/failurePolicy","value":"\(failurePolicy)"},
             {"op":"replace","path":"/webhooks/0/timeoutSeconds","value":\(timeoutSeconds)},
             {"op":"replace","path":"/webhooks/0/clientConfig","value":{\(clientConfig)}}]
            """
        let result = try await kubectl(
            cli, ["patch", "validatingwebhookconfiguration", "c8s-admission", "--type=json", "-p", patch])
        try #require(result.status == 0, "kubectl patch: \(result.stderr)")
    }
}

/// A TCP listener on loopback that accepts connections into its backlog and never answers: a webhook that hangs.
final class SilentListener: Sendable {
    let descriptor: Int32
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard descriptor >= 0, bound == 0, listen(descriptor, 16) == 0 else {
            throw ListenError(errno: errno)
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        self.descriptor = descriptor
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }

    struct ListenError: Error {
        var errno: Int32
    }
}
