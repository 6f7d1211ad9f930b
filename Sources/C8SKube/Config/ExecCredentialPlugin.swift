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

    /// Runs the plugin (non-interactively: standard input is closed) and reads its `ExecCredential`.
    public func run(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Credential {
        let process = Process()
        if command.contains("/") {
            process.executableURL = URL(fileURLWithPath: command)
            process.arguments = args
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [command] + args
        }
        var childEnvironment = environment.merging(env) { _, new in new }
        childEnvironment["KUBERNETES_EXEC_INFO"] =
            #"{"apiVersion":"\#(apiVersion)","kind":"ExecCredential","spec":{"interactive":false}}"#
        process.environment = childEnvironment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let hint = installHint.map { " (\($0.trimmingCharacters(in: .whitespacesAndNewlines)))" } ?? ""
        do {
            try process.run()
        } catch {
            throw KubeConfigError("cannot run the kubeconfig's credential plugin \"\(command)\": \(error)\(hint)")
        }
        // Read both pipes to the end before waiting, so a plugin that writes much cannot block.
        let group = DispatchGroup()
        let collected = PluginOutput()
        for (pipe, isOut) in [(out, true), (err, false)] {
            group.enter()
            DispatchQueue.global().async {
                collected.set(pipe.fileHandleForReading.readDataToEndOfFile(), stdout: isOut)
                group.leave()
            }
        }
        group.wait()
        process.waitUntilExit()
        let (stdout, stderr) = collected.both
        guard process.terminationStatus == 0 else {
            let reason = String(decoding: stderr.prefix(500), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let notFound = process.terminationStatus == 127 && !command.contains("/")
            throw KubeConfigError(
                "the kubeconfig's credential plugin \"\(command)\" "
                    + (notFound ? "is not installed" : "failed with exit status \(process.terminationStatus)")
                    + (reason.isEmpty ? "" : ": \(reason)") + hint)
        }
        return try Self.parse(stdout, command: command)
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

/// The two output streams of a plugin, collected from two threads.
private final class PluginOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()

    func set(_ data: Data, stdout: Bool) {
        lock.lock()
        if stdout { out = data } else { err = data }
        lock.unlock()
    }

    var both: (Data, Data) {
        lock.lock()
        defer { lock.unlock() }
        return (out, err)
    }
}
