import C8STestSupport
import Foundation
import NIOSSL
import Testing

@testable import C8SKube

/// A throwaway CA with a server certificate for 127.0.0.1 and a client certificate, made with `openssl`.
struct TestPKI {
    let directory: String

    init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pki-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = """
            set -e
            cd "\(directory)"
            key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1" 2>/dev/null; }
            key ca.key
            openssl req -x509 -new -key ca.key -out ca.crt -days 1 -subj /CN=c8s-test-ca 2>/dev/null
            key server.key
            openssl req -new -key server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > server.ext
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 1 \
                -extfile server.ext 2>/dev/null
            key client.key
            openssl req -new -key client.key -out client.csr -subj /CN=c8s-coordinator 2>/dev/null
            printf 'extendedKeyUsage=clientAuth\\n' > client.ext
            openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 1 \
                -extfile client.ext 2>/dev/null
            """
        let result = try await ChildProcess.run("/bin/sh", ["-c", script])
        guard result.succeeded else { throw KubeConfigError("openssl failed") }
    }

    func bytes(_ file: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file)))
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    /// A server configuration that requires a client certificate signed by the CA.
    func serverTLS() throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(try bytes("server.crt")).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: try bytes("server.key"), format: .pem)))
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(try bytes("ca.crt")))
        tls.certificateVerification = .noHostnameVerification
        return tls
    }
}

@Suite struct TLSTests {
    static let podJSON = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"}}"#

    @Test func kubeconfigCertificatesAuthenticateBothSides() async throws {
        let pki = try await TestPKI()
        defer { pki.remove() }
        let server = ScriptedServer(tls: try pki.serverTLS()) { _, _ in (200, [:], Self.podJSON) }
        try await server.run { port in
            let kubeconfig = """
                apiVersion: v1
                kind: Config
                current-context: tls
                clusters:
                - name: local
                  cluster:
                    server: https://127.0.0.1:\(port)
                    certificate-authority: ca.crt
                users:
                - name: coordinator
                  user:
                    client-certificate-data: \(Data(try pki.bytes("client.crt")).base64EncodedString())
                    client-key: client.key
                contexts:
                - name: tls
                  context: {cluster: local, user: coordinator}
                """
            let path = pki.directory + "/kubeconfig"
            try kubeconfig.write(toFile: path, atomically: true, encoding: .utf8)
            var configuration = try KubeConfig.load(paths: [path]).clientConfiguration()
            // A refused handshake is retried until the connect timeout.
            configuration.connectTimeout = .seconds(1)
            try await withKubeClient(configuration: configuration) { client in
                let pod = try await client.get(Pod.self, name: "p")
                #expect(pod.metadata.name == "p")
            }

            // Without the client certificate the server refuses the handshake.
            var anonymous = configuration
            anonymous.clientCertificatePEM = nil
            anonymous.clientKeyPEM = nil
            try await withKubeClient(configuration: anonymous) { client in
                await #expect(throws: KubeError.self) { _ = try await client.get(Pod.self, name: "p") }
                return ()
            }

            // Without the CA the client does not trust the server, unless told to skip verification.
            var untrusted = configuration
            untrusted.certificateAuthorityPEM = nil
            try await withKubeClient(configuration: untrusted) { client in
                do {
                    _ = try await client.get(Pod.self, name: "p")
                    Issue.record("an untrusted server was accepted")
                } catch let error as KubeError {
                    #expect(error.code == .transport)
                }
            }
            untrusted.insecureSkipTLSVerify = true
            try await withKubeClient(configuration: untrusted) { client in
                let pod = try await client.get(Pod.self, name: "p")
                #expect(pod.metadata.name == "p")
            }
        }
        #expect(server.seen.withLock { $0.paths.count } == 2)
    }

    @Test func invalidPEMIsAClearError() {
        let configuration = KubeClientConfiguration(
            server: "https://127.0.0.1:1", certificateAuthorityPEM: Array("junk".utf8))
        #expect(throws: KubeConfigError.self) { try KubeClient(configuration: configuration) }
    }
}
