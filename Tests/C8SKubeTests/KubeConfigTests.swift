import Foundation
import Testing

@testable import C8SKube

@Suite struct KubeConfigTests {
    static let yaml = """
        apiVersion: v1
        kind: Config
        current-context: dev
        clusters:
        - name: dev-cluster
          cluster:
            server: https://dev.example:6443
            certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
        - name: prod-cluster
          cluster:
            server: "https://prod.example:443/"
            insecure-skip-tls-verify: true
        users:
        - name: token-user
          user:
            token: s3cr3t
        - name: cert-user
          user:
            client-certificate-data: Y2VydA==
            client-key-data: a2V5
        - name: file-user
          user:
            tokenFile: tokens/current
        contexts:
        - name: dev
          context: {cluster: dev-cluster, user: token-user, namespace: ci}
        - name: prod
          context:
            cluster: prod-cluster
            user: cert-user
        - name: files
          context:
            cluster: prod-cluster
            user: file-user
        """

    @Test func currentContextWithToken() throws {
        let config = try KubeConfig.parse(Self.yaml).clientConfiguration()
        #expect(config.server == "https://dev.example:6443")
        #expect(config.credentials == .token("s3cr3t"))
        #expect(config.namespace == "ci")
        #expect(config.certificateAuthorityPEM == Array("-----BEGIN CERTIFICATE-----\n".utf8))
        #expect(config.insecureSkipTLSVerify == false)
    }

    @Test func namedContextWithClientCertificateData() throws {
        let config = try KubeConfig.parse(Self.yaml).clientConfiguration(context: "prod")
        #expect(config.server == "https://prod.example:443")
        #expect(config.clientCertificatePEM == Array("cert".utf8))
        #expect(config.clientKeyPEM == Array("key".utf8))
        #expect(config.credentials == .none)
        #expect(config.insecureSkipTLSVerify)
        #expect(config.namespace == "default")
    }

    @Test func relativeTokenFileResolvesAgainstTheKubeconfigDirectory() throws {
        let config = try KubeConfig.parse(Self.yaml, baseDirectory: "/etc/kube").clientConfiguration(context: "files")
        #expect(config.credentials == .tokenFile("/etc/kube/tokens/current"))
    }

    @Test func jsonKubeconfigReadsToo() throws {
        let json = """
            {"apiVersion":"v1","kind":"Config","current-context":"c",
             "clusters":[{"name":"k","cluster":{"server":"http://127.0.0.1:8080"}}],
             "users":[{"name":"u","user":{"token":"abc"}}],
             "contexts":[{"name":"c","context":{"cluster":"k","user":"u","namespace":"x"}}]}
            """
        let config = try KubeConfig.parse(json).clientConfiguration()
        #expect(config.server == "http://127.0.0.1:8080")
        #expect(config.credentials == .token("abc"))
        #expect(config.namespace == "x")
    }

    @Test func errorsNameTheFieldAndTheContext() throws {
        let missingServer = """
            clusters:
            - name: a
              cluster: {}
            """
        #expect(throws: KubeConfigError.self) { try KubeConfig.parse(missingServer, file: "/tmp/kc") }
        do {
            _ = try KubeConfig.parse(missingServer, file: "/tmp/kc")
        } catch let error as KubeConfigError {
            #expect(error.description == "/tmp/kc: clusters[0].cluster.server is required")
        }
        let config = try KubeConfig.parse(Self.yaml)
        #expect(throws: KubeConfigError.self) { try config.clientConfiguration(context: "nope") }
        #expect(throws: KubeConfigError.self) { try KubeConfig.parse("a: [1,", file: "bad") }
        do {
            _ = try KubeConfig.parse("a: [1,\n", file: "bad")
        } catch let error as KubeConfigError {
            #expect(error.description.hasPrefix("bad: line "))
        }
    }

    @Test func yamlReaderResolvesScalarsAndRejectsDuplicateKeys() throws {
        let value = try YAMLReader.read(
            "a: 1\nb: true\nc: '1'\nd: ~\ne: 1.5\nf: [x, y]\ng: &anchor {k: v}\nh: *anchor\n")
        #expect(
            value == [
                "a": 1, "b": true, "c": "1", "d": nil, "e": 1.5, "f": ["x", "y"], "g": ["k": "v"], "h": ["k": "v"],
            ])
        #expect(throws: YAMLReader.SyntaxError.self) { try YAMLReader.read("a: 1\na: 2\n") }
    }

    @Test func kubeconfigListMergesFirstWins() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = directory.appendingPathComponent("one").path
        let second = directory.appendingPathComponent("two").path
        try "current-context: b\nusers: [{name: u, user: {token: one}}]\n".write(
            toFile: first, atomically: true, encoding: .utf8)
        try Self.yaml.replacingOccurrences(of: "token-user", with: "u").write(
            toFile: second, atomically: true, encoding: .utf8)
        let merged = try KubeConfig.load(paths: [first, second])
        #expect(merged.currentContext == "b")
        #expect(merged.users["u"]?.token == "one")
        let config = try KubeClientConfiguration.load(
            context: "dev", environment: ["KUBECONFIG": "\(first):\(second)", "HOME": directory.path])
        #expect(config.credentials == .token("one"))
    }

    @Test func inClusterConfigurationReadsTheServiceAccountAndRereadsARotatedToken() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sa-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "first-token\n".write(to: directory.appendingPathComponent("token"), atomically: true, encoding: .utf8)
        try "builds\n".write(to: directory.appendingPathComponent("namespace"), atomically: true, encoding: .utf8)
        try "-----BEGIN CERTIFICATE-----\n".write(
            to: directory.appendingPathComponent("ca.crt"), atomically: true, encoding: .utf8)
        let config = try KubeClientConfiguration.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"],
            serviceAccountDirectory: directory.path)
        #expect(config.server == "https://10.96.0.1:443")
        #expect(config.namespace == "builds")
        #expect(config.credentials == .tokenFile(directory.path + "/token"))
        #expect(config.certificateAuthorityPEM == Array("-----BEGIN CERTIFICATE-----\n".utf8))

        let source = TokenSource(path: directory.path + "/token")
        #expect(try source.token() == "first-token")
        // kubelet rotates by writing a new file and renaming it over the old one.
        try "second-token-longer\n".write(
            to: directory.appendingPathComponent("token"), atomically: true, encoding: .utf8)
        #expect(try source.token() == "second-token-longer")

        #expect(throws: KubeConfigError.self) {
            try KubeClientConfiguration.inCluster(environment: [:], serviceAccountDirectory: directory.path)
        }
    }
}
