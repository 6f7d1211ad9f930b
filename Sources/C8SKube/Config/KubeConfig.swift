import Foundation

/// A kubeconfig file (YAML or JSON), as `kubectl` reads it: clusters, users and contexts by name.
public struct KubeConfig: Sendable {
    /// A `clusters[].cluster` entry.
    public struct Cluster: Sendable, Equatable {
        public var server: String
        public var certificateAuthority: String?
        public var certificateAuthorityData: [UInt8]?
        public var insecureSkipTLSVerify: Bool
        public var tlsServerName: String?
    }

    /// A `users[].user` entry.
    public struct User: Sendable, Equatable {
        public var token: String?
        public var tokenFile: String?
        public var clientCertificate: String?
        public var clientCertificateData: [UInt8]?
        public var clientKey: String?
        public var clientKeyData: [UInt8]?
        public var username: String?
        public var password: String?
        /// An `exec` credential plugin, run when the user has no token, token file or password.
        public var exec: ExecCredentialPlugin?
    }

    /// A `contexts[].context` entry.
    public struct Context: Sendable, Equatable {
        public var cluster: String
        public var user: String
        public var namespace: String?
    }

    public var currentContext: String?
    public var clusters: [String: Cluster] = [:]
    public var users: [String: User] = [:]
    public var contexts: [String: Context] = [:]

    public init() {}

    /// Reads kubeconfig files; like kubectl, the first file that defines a name (or `current-context`) wins.
    /// Relative file references resolve against the directory of the file that names them.
    public static func load(paths: [String]) throws -> KubeConfig {
        var merged = KubeConfig()
        var readAny = false
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                if paths.count == 1 { throw KubeConfigError("cannot read kubeconfig \(path)") }
                continue
            }
            readAny = true
            let directory = (path as NSString).deletingLastPathComponent
            let config = try parse(String(decoding: data, as: UTF8.self), file: path, baseDirectory: directory)
            if merged.currentContext == nil { merged.currentContext = config.currentContext }
            merged.clusters.merge(config.clusters) { first, _ in first }
            merged.users.merge(config.users) { first, _ in first }
            merged.contexts.merge(config.contexts) { first, _ in first }
        }
        guard readAny else { throw KubeConfigError("cannot read any kubeconfig of \(paths.joined(separator: ":"))") }
        return merged
    }

    /// Parses the text of a kubeconfig; `file` names it in errors.
    public static func parse(_ text: String, file: String = "kubeconfig", baseDirectory: String? = nil) throws
        -> KubeConfig
    {
        let document: JSONValue
        do {
            document = try YAMLReader.read(text)
        } catch {
            throw KubeConfigError("\(file): \(error)")
        }
        guard case .object = document else { throw KubeConfigError("\(file): the document is not a mapping") }
        let reader = FieldReader(file: file, baseDirectory: baseDirectory)
        var config = KubeConfig()
        config.currentContext = try reader.string(document, "current-context", at: "").flatMap { $0.isEmpty ? nil : $0 }
        for (index, entry) in try reader.list(document, "clusters").enumerated() {
            let at = "clusters[\(index)]"
            let name = try reader.required(entry, "name", at: at)
            guard let body = entry["cluster"] else { throw reader.missing("cluster", at: at) }
            let location = "\(at).cluster"
            config.clusters[name] = Cluster(
                server: try reader.required(body, "server", at: location),
                certificateAuthority: try reader.path(body, "certificate-authority", at: location),
                certificateAuthorityData: try reader.base64(body, "certificate-authority-data", at: location),
                insecureSkipTLSVerify: try reader.bool(body, "insecure-skip-tls-verify", at: location) ?? false,
                tlsServerName: try reader.string(body, "tls-server-name", at: location))
        }
        for (index, entry) in try reader.list(document, "users").enumerated() {
            let at = "users[\(index)]"
            let name = try reader.required(entry, "name", at: at)
            let body = entry["user"] ?? .object([:])
            let location = "\(at).user"
            config.users[name] = User(
                token: try reader.string(body, "token", at: location),
                tokenFile: try reader.path(body, "tokenFile", at: location),
                clientCertificate: try reader.path(body, "client-certificate", at: location),
                clientCertificateData: try reader.base64(body, "client-certificate-data", at: location),
                clientKey: try reader.path(body, "client-key", at: location),
                clientKeyData: try reader.base64(body, "client-key-data", at: location),
                username: try reader.string(body, "username", at: location),
                password: try reader.string(body, "password", at: location),
                exec: try reader.exec(body, at: location))
        }
        for (index, entry) in try reader.list(document, "contexts").enumerated() {
            let at = "contexts[\(index)]"
            let name = try reader.required(entry, "name", at: at)
            guard let body = entry["context"] else { throw reader.missing("context", at: at) }
            let location = "\(at).context"
            config.contexts[name] = Context(
                cluster: try reader.required(body, "cluster", at: location),
                user: try reader.string(body, "user", at: location) ?? "",
                namespace: try reader.string(body, "namespace", at: location))
        }
        return config
    }

    /// The client configuration of a context (the current one when `context` is nil).
    public func clientConfiguration(context name: String? = nil) throws -> KubeClientConfiguration {
        guard let contextName = name ?? currentContext else {
            throw KubeConfigError("the kubeconfig has no current-context; name a context")
        }
        guard let context = contexts[contextName] else {
            throw KubeConfigError(
                "the kubeconfig has no context \"\(contextName)\" "
                    + "(contexts: \(contexts.keys.sorted().joined(separator: ", ")))")
        }
        guard let cluster = clusters[context.cluster] else {
            throw KubeConfigError("context \"\(contextName)\" names the unknown cluster \"\(context.cluster)\"")
        }
        let user: User
        if context.user.isEmpty {
            user = User()
        } else if let found = users[context.user] {
            user = found
        } else {
            throw KubeConfigError("context \"\(contextName)\" names the unknown user \"\(context.user)\"")
        }
        func contents(_ path: String?, _ field: String) throws -> [UInt8]? {
            guard let path else { return nil }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw KubeConfigError("cannot read \(field) \(path)")
            }
            return Array(data)
        }
        var credentials = KubeClientConfiguration.Credentials.none
        var pluginCertificate: [UInt8]?
        var pluginKey: [UInt8]?
        if let token = user.token, !token.isEmpty {
            credentials = .token(token)
        } else if let file = user.tokenFile {
            credentials = .tokenFile(file)
        } else if let username = user.username, let password = user.password {
            credentials = .basic(username: username, password: password)
        } else if let exec = user.exec {
            let credential = try exec.run()
            if let token = credential.token { credentials = .token(token) }
            pluginCertificate = credential.clientCertificatePEM
            pluginKey = credential.clientKeyPEM
        }
        return KubeClientConfiguration(
            server: cluster.server,
            certificateAuthorityPEM: try cluster.certificateAuthorityData
                ?? contents(cluster.certificateAuthority, "certificate-authority"),
            clientCertificatePEM: try user.clientCertificateData
                ?? contents(user.clientCertificate, "client-certificate") ?? pluginCertificate,
            clientKeyPEM: try user.clientKeyData ?? contents(user.clientKey, "client-key") ?? pluginKey,
            insecureSkipTLSVerify: cluster.insecureSkipTLSVerify,
            tlsServerName: cluster.tlsServerName,
            credentials: credentials,
            namespace: context.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default")
    }
}

/// Reads typed fields of a kubeconfig document, with errors naming the file and the field.
private struct FieldReader {
    var file: String
    var baseDirectory: String?

    func missing(_ key: String, at path: String) -> KubeConfigError {
        KubeConfigError("\(file): \(path).\(key) is required")
    }

    func list(_ value: JSONValue, _ key: String) throws -> [JSONValue] {
        switch value[key] {
        case nil, .null?: return []
        case .array(let items)?: return items
        default: throw KubeConfigError("\(file): \(key) must be a list")
        }
    }

    func string(_ value: JSONValue, _ key: String, at path: String) throws -> String? {
        switch value[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case .int(let number)?: return String(number)
        case .bool(let flag)?: return String(flag)
        default: throw KubeConfigError("\(file): \(path.isEmpty ? "" : path + ".")\(key) must be a string")
        }
    }

    func required(_ value: JSONValue, _ key: String, at path: String) throws -> String {
        guard let text = try string(value, key, at: path), !text.isEmpty else { throw missing(key, at: path) }
        return text
    }

    func bool(_ value: JSONValue, _ key: String, at path: String) throws -> Bool? {
        switch value[key] {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        case .string("true")?: return true
        case .string("false")?: return false
        default: throw KubeConfigError("\(file): \(path).\(key) must be true or false")
        }
    }

    func path(_ value: JSONValue, _ key: String, at path: String) throws -> String? {
        guard let text = try string(value, key, at: path), !text.isEmpty else { return nil }
        if text.hasPrefix("/") || baseDirectory == nil || baseDirectory!.isEmpty { return text }
        return baseDirectory! + "/" + text
    }

    func exec(_ value: JSONValue, at path: String) throws -> ExecCredentialPlugin? {
        guard let body = value["exec"], !body.isNull else { return nil }
        let at = "\(path).exec"
        guard case .object = body else { throw KubeConfigError("\(file): \(at) must be a mapping") }
        var command = try required(body, "command", at: at)
        if command.contains("/"), !command.hasPrefix("/"), let baseDirectory, !baseDirectory.isEmpty {
            command = baseDirectory + "/" + command
        }
        var arguments: [String] = []
        for (index, item) in try list(body, "args", at: at).enumerated() {
            guard let text = item.stringValue else {
                throw KubeConfigError("\(file): \(at).args[\(index)] must be a string")
            }
            arguments.append(text)
        }
        var environment: [String: String] = [:]
        for (index, item) in try list(body, "env", at: at).enumerated() {
            let name = try required(item, "name", at: "\(at).env[\(index)]")
            environment[name] = try string(item, "value", at: "\(at).env[\(index)]") ?? ""
        }
        return ExecCredentialPlugin(
            command: command, args: arguments, env: environment,
            apiVersion: try string(body, "apiVersion", at: at) ?? "client.authentication.k8s.io/v1",
            installHint: try string(body, "installHint", at: at))
    }

    func list(_ value: JSONValue, _ key: String, at path: String) throws -> [JSONValue] {
        switch value[key] {
        case nil, .null?: return []
        case .array(let items)?: return items
        default: throw KubeConfigError("\(file): \(path).\(key) must be a list")
        }
    }

    func base64(_ value: JSONValue, _ key: String, at path: String) throws -> [UInt8]? {
        guard let text = try string(value, key, at: path), !text.isEmpty else { return nil }
        let compact = text.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: compact) else {
            throw KubeConfigError("\(file): \(path).\(key) is not valid base64")
        }
        return Array(data)
    }
}
