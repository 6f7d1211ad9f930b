import C8SProcess
import Foundation

/// A kubeconfig user's `exec` credential plugin (`client.authentication.k8s.io`), as cloud clusters use
/// (`aws eks get-token`, `gke-gcloud-auth-plugin`, `kubelogin`): a command that prints an `ExecCredential` whose
/// `status` holds a bearer token or a client certificate.
///
/// Keys: `command` (a name looked up in `PATH`, or a path; a relative path resolves against the kubeconfig's
/// directory), `args`, `env` (added to the environment), `apiVersion` (sent in `KUBERNETES_EXEC_INFO`),
/// `installHint` (shown when the command cannot be run).
public struct ExecCredentialPlugin: Sendable, Equatable {
    public var command: String
    public var args: [String]
    public var env: [String: String]
    public var apiVersion: String
    public var installHint: String?

    public init(
        command: String, args: [String] = [], env: [String: String] = [:],
        apiVersion: String = "client.authentication.k8s.io/v1", installHint: String? = nil
    ) {
        self.command = command
        self.args = args
        self.env = env
        self.apiVersion = apiVersion
        self.installHint = installHint
    }

    /// What the plugin printed: a token, or a client certificate and key (PEM).
    public struct Credential: Sendable, Equatable {
        public var token: String?
        public var clientCertificatePEM: [UInt8]?
        public var clientKeyPEM: [UInt8]?
    }

    /// Runs the plugin (non-interactively: standard input is `/dev/null`) and reads its `ExecCredential`. Blocks the
    /// calling thread until the plugin has ended.
    public func run(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Credential {
        // A bare name is looked up by `env` in the plugin's own `PATH`, as kubectl does.
        let argv = command.contains("/") ? [command] + args : ["/usr/bin/env", command] + args
        var childEnvironment = environment.merging(env) { _, new in new }
        childEnvironment["KUBERNETES_EXEC_INFO"] =
            #"{"apiVersion":"\#(apiVersion)","kind":"ExecCredential","spec":{"interactive":false}}"#
        let hint = installHint.map { " (\($0.trimmingCharacters(in: .whitespacesAndNewlines)))" } ?? ""
        let result: ChildProcessResult
        do {
            result = try ChildProcess.runOnCurrentThread(
                argv[0], Array(argv.dropFirst()), environment: childEnvironment)
        } catch {
            throw KubeConfigError("cannot run the kubeconfig's credential plugin \"\(command)\": \(error)\(hint)")
        }
        guard result.succeeded else {
            let reason = String(decoding: result.standardError.prefix(500), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let status = result.exitCode.map { "exit status \($0)" } ?? "\(result.termination)"
            let notFound = result.exitCode == 127 && !command.contains("/")
            throw KubeConfigError(
                "the kubeconfig's credential plugin \"\(command)\" "
                    + (notFound ? "is not installed" : "failed with \(status)")
                    + (reason.isEmpty ? "" : ": \(reason)") + hint)
        }
        return try Self.parse(result.standardOutput, command: command)
    }

    /// Reads the `status` of an `ExecCredential` document.
    public static func parse(_ data: Data, command: String) throws -> Credential {
        struct Document: Decodable {
            struct Status: Decodable {
                var token: String?
                var clientCertificateData: String?
                var clientKeyData: String?
            }
            var kind: String?
            var status: Status?
        }
        guard let document = try? JSONDecoder().decode(Document.self, from: data), let status = document.status else {
            throw KubeConfigError(
                "the kubeconfig's credential plugin \"\(command)\" did not print an ExecCredential with a status")
        }
        let credential = Credential(
            token: status.token.flatMap { $0.isEmpty ? nil : $0 },
            clientCertificatePEM: status.clientCertificateData.map { Array($0.utf8) },
            clientKeyPEM: status.clientKeyData.map { Array($0.utf8) })
        guard credential.token != nil || (credential.clientCertificatePEM != nil && credential.clientKeyPEM != nil)
        else {
            throw KubeConfigError(
                "the kubeconfig's credential plugin \"\(command)\" printed neither a token nor a client certificate")
        }
        return credential
    }
}
