import C8SKube

/// What a command was doing when the API server answered with an error, so the error can say it in the user's
/// terms: `create pipelineruns in namespace "ci"`.
public struct ClusterAction: Sendable, Hashable {
    /// The API verb (`get`, `list`, `create`, `update`, `patch`, `watch`).
    public var verb: String
    /// The plural resource (`pipelineruns`).
    public var resource: String
    /// The object's name, when the verb names one.
    public var name: String?
    public var namespace: String

    public init(_ verb: String, _ resource: String, name: String? = nil, namespace: String) {
        self.verb = verb
        self.resource = resource
        self.name = name
        self.namespace = namespace
    }

    /// The singular noun a user knows (`run`, `pipeline config`, `secret`).
    var noun: String {
        switch resource {
        case "pipelineruns": "run"
        case "pipelineconfigs": "pipeline config"
        case "secrets": "secret"
        case "events": "event"
        default: resource
        }
    }

    /// The message of `error` for a user who ran this action against `target`.
    public func error(_ error: KubeError, target: ClusterTarget) -> ClientError {
        let serverMessage = error.status?.message.flatMap { $0.isEmpty ? nil : $0 }
        // A validating admission webhook refused the object itself (whatever its status code): not an RBAC
        // problem, and its message says what to change.
        if let serverMessage, serverMessage.hasPrefix("admission webhook \"") {
            return .rejected(
                "the API server refused the \(noun)\(name.map { " \"\($0)\"" } ?? ""): \(serverMessage)")
        }
        switch error.code {
        case .forbidden:
            return .forbidden(
                "forbidden: you (\(target.identity)) cannot \(verb) \(resource) in namespace \"\(namespace)\""
                    + (serverMessage.map { " (the API server said: \($0))" } ?? "")
                    + " — ask a cluster admin to bind you a role that allows it there (for example c8s-user)")
        case .unauthorized:
            return .unauthorized(
                "unauthorized: the API server at \(target.server) refused the credentials of \(target.identity)"
                    + " — log in again or refresh the token in your kubeconfig")
        case .notFound where error.status == nil:
            return .failed(
                "the API server at \(target.server) does not serve \(resource) — are the c8s CRDs installed? "
                    + "(kubectl apply -k config/crd)")
        case .notFound:
            if let name, verb != "create" {
                let hint = resource == "pipelineruns" ? " (list them with `c8s get runs -n \(namespace)`)" : ""
                return .notFound("no \(noun) \"\(name)\" in namespace \"\(namespace)\"\(hint)")
            }
            return .notFound(
                "cannot \(verb) \(resource) in namespace \"\(namespace)\": \(serverMessage ?? "\(error)")"
                    + " — check the namespace (-n/--namespace, or the context's namespace)")
        case .transport, .timeout:
            return .unreachable(
                "cannot reach the API server at \(target.server) (\(target.identity)): \(Self.detail(error))"
                    + " — is the cluster running, and does the kubeconfig name the right server?")
        case .invalid:
            return .rejected(
                "the API server rejected the \(noun)\(name.map { " \"\($0)\"" } ?? ""): "
                    + (serverMessage ?? "\(error)"))
        case .alreadyExists:
            return .rejected("\(noun) \"\(name ?? "")\" already exists in namespace \"\(namespace)\"")
        default:
            return .failed("cannot \(verb) \(resource) in namespace \"\(namespace)\": \(error)")
        }
    }

    /// The transport problem without the request line.
    private static func detail(_ error: KubeError) -> String {
        let text = error.description
        guard let colon = text.range(of: "failed: ") else { return text }
        return String(text[colon.upperBound...])
    }
}

extension ClusterAction {
    /// Runs `body`, turning a `KubeError` into the `ClientError` of this action.
    public func perform<T>(on target: ClusterTarget, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as KubeError {
            throw self.error(error, target: target)
        }
    }
}
