import AsyncHTTPClient
import C8SAPI
import C8SKube
import C8SLogs
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The coordinator's REST API under `/api/v1` (see docs/api.md): PipelineRuns (list, get, create, cancel),
/// PipelineConfigs (list, get) and step logs (whole, tail, follow; text or NDJSON).
///
/// Every request is authenticated with a TokenReview of its bearer token and authorized with a SubjectAccessReview
/// for the caller (``KubeAccessReviewer``); the coordinator then acts with its own service account.
public struct CoordinatorAPI: Sendable {
    public let client: KubeClient
    public let reviewer: KubeAccessReviewer
    public let configuration: CoordinatorAPIConfiguration
    /// Talks to node agents (live logs).
    public let httpClient: HTTPClient
    /// The informer caches of runs and configs that the run-change streams and the dashboard read.
    public var runCache: RunCache?
    let csrf: CSRFToken
    let logger: Logger

    public init(
        client: KubeClient, configuration: CoordinatorAPIConfiguration = .init(), httpClient: HTTPClient = .shared,
        logger: Logger
    ) {
        self.client = client
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
        csrf = CSRFToken(secret: configuration.dashboard.csrfSecret)
        reviewer = KubeAccessReviewer(
            client: client, audiences: configuration.audiences, tokenCacheTTL: configuration.tokenCacheTTL,
            tokenCacheCapacity: configuration.tokenCacheCapacity, logger: logger)
    }

    /// Adds the `/api/v1` routes to `router`.
    public func register(on router: Router<BasicRequestContext>) {
        let base = "/api/v1/namespaces/:namespace"
        router.get("\(base)/pipelineruns") { request, context in
            await answer { try await listRuns(request, context) }
        }
        router.post("\(base)/pipelineruns") { request, context in
            await answer { try await createRun(request, context) }
        }
        router.get("\(base)/pipelineruns/:name") { request, context in
            await answer { try await getRun(request, context) }
        }
        router.post("\(base)/pipelineruns/:name/cancel") { request, context in
            await answer { try await cancelRun(request, context) }
        }
        router.get("\(base)/pipelineruns/:name/steps/:step/log") { request, context in
            await answer { try await stepLog(request, context) }
        }
        router.get("\(base)/pipelineconfigs") { request, context in
            await answer { try await listConfigs(request, context) }
        }
        router.get("\(base)/pipelineconfigs/:name") { request, context in
            await answer { try await getConfig(request, context) }
        }
        registerDashboardEndpoints(on: router)
    }

    // MARK: - Handlers

    func listRuns(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let namespace = try context.parameters.require("namespace")
        try await check(request, verb: "list", resource: PipelineRun.plural, namespace: namespace)
        let selector = request.uri.queryParameters.get("labelSelector")
        let runs = try await kube {
            try await client.listAll(
                PipelineRun.self, namespace: namespace, options: ListOptions(labelSelector: selector))
        }
        return try Self.json(["items": .array(runs.items.map { try KubeCodec.json($0) })])
    }

    func getRun(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let namespace = try context.parameters.require("namespace")
        let name = try context.parameters.require("name")
        try await check(request, verb: "get", resource: PipelineRun.plural, namespace: namespace, name: name)
        return try Self.json(KubeCodec.json(try await run(name, namespace: namespace)))
    }

    func createRun(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let namespace = try context.parameters.require("namespace")
        let user = try await check(request, verb: "create", resource: PipelineRun.plural, namespace: namespace)
        var request = request
        let bytes = try await request.collectBody(upTo: 64 * 1024)
        let body: CreateRunRequest
        do {
            body = try JSONDecoder().decode(CreateRunRequest.self, from: Data(bytes.readableBytesView))
        } catch {
            throw APIProblem.badRequest(
                "the body must be {\"config\":\"NAME\",\"commit\":\"SHA?\",\"branch\":\"B?\"}: \(Self.describe(error))")
        }
        guard !body.config.isEmpty else { throw APIProblem.badRequest("config must name a PipelineConfig") }
        try Self.checkNames(body)
        let created = try await startRun(
            config: body.config, namespace: namespace, commit: body.commit, branch: body.branch, user: user)
        return try Self.json(KubeCodec.json(created), status: .created)
    }

    func cancelRun(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let namespace = try context.parameters.require("namespace")
        let name = try context.parameters.require("name")
        let user = try await check(
            request, verb: "patch", resource: PipelineRun.plural, namespace: namespace, name: name)
        let patched: PipelineRun
        do {
            patched = try await client.patch(
                PipelineRun.self, name: name, namespace: namespace, .merge(["spec": ["cancel": true]]))
        } catch let error as KubeError where error.isNotFound {
            throw Self.runNotFound(name, namespace)
        } catch let error as KubeError {
            throw APIProblem.from(error)
        }
        logger.info(
            "run cancelled through the API",
            metadata: ["run.name": "\(namespace)/\(name)", "user.name": "\(user.name)"])
        return try Self.json(KubeCodec.json(patched))
    }

    func listConfigs(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let namespace = try context.parameters.require("namespace")
        try await check(request, verb: "list", resource: PipelineConfig.plural, namespace: namespace)
        let selector = request.uri.queryParameters.get("labelSelector")
        let configs = try await kube {
            try await client.listAll(
                PipelineConfig.self, namespace: namespace, options: ListOptions(labelSelector: selector))
        }
        return try Self.json(["items": .array(configs.items.map { try KubeCodec.json($0) })])
    }

    func getConfig(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let namespace = try context.parameters.require("namespace")
        let name = try context.parameters.require("name")
        try await check(request, verb: "get", resource: PipelineConfig.plural, namespace: namespace, name: name)
        guard
            let config = try await kube({
                try await client.getIfPresent(PipelineConfig.self, name: name, namespace: namespace)
            })
        else {
            throw APIProblem.notFound("pipelineconfig \"\(name)\" not found in namespace \"\(namespace)\"")
        }
        return try Self.json(KubeCodec.json(config))
    }

    // MARK: - Helpers

    /// Authenticates the caller and checks `verb` on `resource` (in group c8s.dev); returns the caller.
    @discardableResult
    func check(
        _ request: Request, verb: String, resource: String, subresource: String? = nil, namespace: String,
        name: String? = nil
    ) async throws(APIProblem) -> APIUser {
        let user = try await caller(request).user
        try await reviewer.authorize(
            user,
            .init(
                namespace: namespace, verb: verb, group: C8SGroup.name, resource: resource, subresource: subresource,
                name: name))
        return user
    }

    func run(_ name: String, namespace: String) async throws -> PipelineRun {
        let found = try await kube { try await client.getIfPresent(PipelineRun.self, name: name, namespace: namespace) }
        guard let run = found else { throw Self.runNotFound(name, namespace) }
        return run
    }

    static func runNotFound(_ name: String, _ namespace: String) -> APIProblem {
        .notFound("pipelinerun \"\(name)\" not found in namespace \"\(namespace)\"")
    }

    /// Runs a Kubernetes call, turning its error into the API server's answer.
    func kube<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as KubeError {
            throw APIProblem.from(error)
        }
    }

    /// The handler's response, or its error as an ``APIProblem`` response.
    func answer(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let problem as APIProblem {
            return problem.response
        } catch let error as HTTPError {
            let code = Int(error.status.code)
            let reason = code == 413 ? "RequestEntityTooLarge" : code == 404 ? "NotFound" : "BadRequest"
            return APIProblem(code: code, reason: reason, message: error.body ?? error.status.reasonPhrase).response
        } catch {
            logger.error("API request failed", metadata: ["error.message": "\(error)"])
            return APIProblem(code: 500, reason: "InternalError", message: "\(error)").response
        }
    }

    static func json(_ value: C8SKube.JSONValue, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try KubeCodec.encode(value))))
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing field \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted: return "not valid JSON"
        default: return "\(error)"
        }
    }
}
