import C8SClient
import C8SKube
import Foundation
import Testing

/// Kubeconfig users whose credentials come from an `exec` plugin (as on EKS, GKE, AKS).
@Suite struct ExecPluginTests {
    /// A directory with `plugin.sh`, which prints `script`'s output, and a kubeconfig using it.
    static func withPlugin<T>(
        _ script: String, pluginEnv: String = "", _ body: (String) throws -> T
    ) throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("c8s-exec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let plugin = directory.appendingPathComponent("plugin.sh").path
        try ("#!/bin/sh\n" + script).write(toFile: plugin, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: plugin)
        let kubeconfig = directory.appendingPathComponent("config").path
        try """
        clusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]
        users:
        - name: cloud
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1
              command: ./plugin.sh
              args: [get-token, --cluster, c]
              env: [{name: PLUGIN_ENV, value: "\(pluginEnv)"}]
              installHint: install the cloud CLI
        contexts: [{name: m, context: {cluster: c, user: cloud, namespace: ci}}]
        current-context: m
        """.write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        return try body(kubeconfig)
    }

    @Test func aPluginTokenBecomesTheBearerToken() throws {
        let script = #"""
            info=$(printf '%s' "$KUBERNETES_EXEC_INFO" | tr -d ' ')
            case "$info" in *'"interactive":false'*) ;; *) exit 9 ;; esac
            printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",'
            printf '"status":{"token":"tok-%s-%s"}}\n' "$PLUGIN_ENV" "$1"
            """#
        try Self.withPlugin(script, pluginEnv: "eu") { kubeconfig in
            let target = try ClusterSettings(kubeconfig: kubeconfig, environment: ["HOME": "/nonexistent"]).resolve()
            #expect(target.configuration.credentials == .token("tok-eu-get-token"))
            #expect(target.bearerToken() == "tok-eu-get-token")
            #expect(target.userName == "cloud" && target.namespace == "ci")
        }
    }

    @Test func pluginFailuresSayWhatToDo() throws {
        try Self.withPlugin("echo boom >&2\nexit 3\n") { kubeconfig in
            do {
                _ = try ClusterSettings(kubeconfig: kubeconfig, environment: [:]).resolve()
                Issue.record("a failing plugin gave credentials")
            } catch let error as ClientError {
                #expect(error.exitCode == 2)
                #expect(error.message.contains("credential plugin"))
                #expect(error.message.contains("failed with exit status 3: boom (install the cloud CLI)"), "\(error)")
            }
        }
        try Self.withPlugin("echo not json\n") { kubeconfig in
            #expect(throws: ClientError.self) {
                try ClusterSettings(kubeconfig: kubeconfig, environment: [:]).resolve()
            }
        }
        let missing = ExecCredentialPlugin(command: "c8s-no-such-plugin-\(UUID().uuidString)", installHint: "get it")
        do {
            _ = try missing.run()
            Issue.record("a missing plugin ran")
        } catch {
            #expect("\(error)".contains("is not installed"), "\(error)")
            #expect("\(error)".contains("(get it)"))
        }
        let certificate = try ExecCredentialPlugin.parse(
            Data(#"{"kind":"ExecCredential","status":{"clientCertificateData":"C","clientKeyData":"K"}}"#.utf8),
            command: "x")
        #expect(
            certificate.token == nil && certificate.clientCertificatePEM == [67] && certificate.clientKeyPEM == [75])
    }
}
