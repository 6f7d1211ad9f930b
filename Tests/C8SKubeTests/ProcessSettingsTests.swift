import Foundation
import Logging
import Testing

@testable import C8SKube

@Suite struct ProcessSettingsTests {
    static let kubeconfig = """
        apiVersion: v1
        kind: Config
        current-context: only
        clusters: [{name: c, cluster: {server: "https://SERVER:6443"}}]
        users: [{name: u, user: {token: TOKEN}}]
        contexts: [{name: only, context: {cluster: c, user: u, namespace: NAMESPACE}}]
        """

    /// A temporary directory with two kubeconfigs (`flag.yaml`, `env.yaml`) and a service-account directory.
    struct Fixture {
        let directory: URL
        var flag: String { directory.appendingPathComponent("flag.yaml").path }
        var env: String { directory.appendingPathComponent("env.yaml").path }
        var serviceAccount: String { directory.appendingPathComponent("sa").path }

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("ps-\(UUID().uuidString)")
            try FileManager.default.createDirectory(
                atPath: directory.appendingPathComponent("sa").path, withIntermediateDirectories: true)
            for (path, name) in [(flag, "flag"), (env, "env")] {
                let text = ProcessSettingsTests.kubeconfig.replacingOccurrences(of: "SERVER", with: "\(name).example")
                    .replacingOccurrences(of: "TOKEN", with: "\(name)-token")
                    .replacingOccurrences(of: "NAMESPACE", with: "\(name)-ns")
                try text.write(toFile: path, atomically: true, encoding: .utf8)
            }
            try "sa-token\n".write(toFile: serviceAccount + "/token", atomically: true, encoding: .utf8)
            try "builds\n".write(toFile: serviceAccount + "/namespace", atomically: true, encoding: .utf8)
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    @Test func kubeconfigFlagReplacesTheVariable() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let environment = ["KUBECONFIG": fixture.env, "HOME": fixture.directory.path]
        let fromFlag = try ProcessSettings.clientConfiguration(
            kubeconfig: fixture.flag, inCluster: false, environment: environment)
        #expect(fromFlag.server == "https://flag.example:6443")
        #expect(fromFlag.credentials == .token("flag-token"))
        #expect(fromFlag.namespace == "flag-ns")
        let fromVariable = try ProcessSettings.clientConfiguration(
            kubeconfig: nil, inCluster: false, environment: environment)
        #expect(fromVariable.server == "https://env.example:6443")
        #expect(fromVariable.namespace == "env-ns")
    }

    @Test func inClusterWinsOverAKubeconfig() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let environment = [
            "KUBECONFIG": fixture.env, "HOME": fixture.directory.path,
            "KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443",
        ]
        let config = try ProcessSettings.clientConfiguration(
            kubeconfig: fixture.flag, inCluster: true, environment: environment,
            serviceAccountDirectory: fixture.serviceAccount)
        #expect(config.server == "https://10.96.0.1:443")
        #expect(config.credentials == .tokenFile(fixture.serviceAccount + "/token"))
        #expect(config.namespace == "builds")
    }

    @Test func withoutAnyConfigurationTheErrorSaysSo() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let error = #expect(throws: KubeConfigError.self) {
            try ProcessSettings.clientConfiguration(
                kubeconfig: nil, inCluster: false, environment: ["HOME": fixture.directory.path])
        }
        #expect(error?.message.contains("KUBERNETES_SERVICE_HOST") == true)
        #expect(throws: KubeConfigError.self) {
            try ProcessSettings.clientConfiguration(
                kubeconfig: fixture.directory.appendingPathComponent("missing.yaml").path, inCluster: false,
                environment: ["HOME": fixture.directory.path])
        }
    }

    @Test func commaSeparatedListsDropBlanks() {
        #expect(ProcessSettings.commaSeparated("node-a, node-b,,") == ["node-a", "node-b"])
    }
}
