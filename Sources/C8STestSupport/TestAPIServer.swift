import C8SKube
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// An in-memory Kubernetes API server over plain HTTP for tests and `c8s-sim`, with the real server's semantics
/// for the parts c8s uses (see docs/test-api-server.md). Start one with `withTestAPIServer { server in ... }`, or run
/// `TestAPIServer.Service` in a ServiceGroup.
public final class TestAPIServer: Sendable {
    /// Server configuration.
    ///
    /// Keys: `host` (default 127.0.0.1), `port` (0 = ephemeral), `eventHistoryLimit` (events kept for watch resumption;
    /// older resourceVersions get 410 Gone; default 1000), `bookmarkInterval` (how often watches with
    /// allowWatchBookmarks get a BOOKMARK; default 1s), `crdDirectory` (CRD manifests loaded at start), `auth`
    /// (tokens, users and rules: every request is then authenticated and authorized, see ``TestAuthModel``; nil,
    /// the default, allows everything).
    public struct Configuration: Sendable {
        public var host: String = "127.0.0.1"
        public var port: Int = 0
        public var eventHistoryLimit: Int = 1000
        public var bookmarkInterval: Duration = .seconds(1)
        public var crdDirectory: String?
        public var auth: TestAuthModel?

        public init(
            host: String = "127.0.0.1", port: Int = 0, eventHistoryLimit: Int = 1000,
            bookmarkInterval: Duration = .seconds(1), crdDirectory: String? = nil, auth: TestAuthModel? = nil
        ) {
            self.host = host
            self.port = port
            self.eventHistoryLimit = eventHistoryLimit
            self.bookmarkInterval = bookmarkInterval
            self.crdDirectory = crdDirectory
            self.auth = auth
        }
    }

    /// The configuration the server was made with.
    public let configuration: Configuration
    let store: APIStore
    private let boundPort = Mutex<Int?>(nil)
    private let logger: Logger
    /// Calls validating admission webhooks (see docs/test-api-server.md).
    let admission: AdmissionDispatcher

    /// A server that is not listening yet; call `run(onListening:)` (or use `withTestAPIServer`).
    public init(configuration: Configuration = .init(), logger: Logger = Logger(label: "c8s.test-api-server")) throws {
        self.configuration = configuration
        self.logger = logger
        self.store = APIStore(eventHistoryLimit: configuration.eventHistoryLimit)
        self.admission = AdmissionDispatcher(logger: logger)
        if let directory = configuration.crdDirectory {
            try loadManifests(from: directory)
        }
    }

    /// The bound port (valid once listening).
    public var port: Int { boundPort.withLock { $0 } ?? configuration.port }

    /// `http://host:port`.
    public var baseURL: URL { URL(string: "http://\(configuration.host):\(port)")! }

    /// Serves until cancelled (or graceful shutdown when run in a ServiceGroup); calls `onListening` once the port
    /// is bound. Every watch stream ends when the server stops.
    public func run(onListening: @escaping @Sendable (TestAPIServer) async -> Void = { _ in }) async throws {
        let handler = APIRequestHandler(
            store: store, configuration: configuration,
            serverAddress: { [self] in "\(configuration.host):\(port)" }, logger: logger, admission: admission)
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            await handler.respond(to: request)
        }
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port)),
            onServerRunning: { [self] channel in
                boundPort.withLock { $0 = channel.localAddress?.port }
                await onListening(self)
            },
            logger: logger)
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await app.run()
            } onGracefulShutdown: { [store] in
                store.close()
            }
        } onCancel: { [store] in
            store.close()
        }
    }

    // MARK: Test controls

    /// Ends every open watch stream now (clients see the response end and must re-watch).
    public func endAllWatches() {
        store.endAllWatches()
    }

    /// Drops the retained event history: a watch from any earlier resourceVersion gets 410 Gone, and continue
    /// tokens issued before now are expired.
    public func compactHistory() {
        store.compactHistory()
    }

    /// How many requests the server received, by client (User-Agent), method and resource (every request, also
    /// rejected ones): what a benchmark divides by the work done.
    public var requestCounts: [APIRequestTally: Int] { store.requestCounts }

    /// How many watch streams are open.
    public var openWatchCount: Int { store.read { $0.watchers.count } }

    /// The current global resourceVersion.
    public var currentResourceVersion: String { String(store.read { $0.resourceVersion }) }

    /// Creates (or replaces the spec of) every object in the YAML/JSON manifests of `directory` (non-recursive,
    /// `*.yaml`, `*.yml`, `*.json`), in file-name order. Used for CRDs (`config/crd`).
    public func loadManifests(from directory: String) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter {
            $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") || $0.hasSuffix(".json")
        }.sorted()
        for file in files {
            let path = (directory as NSString).appendingPathComponent(file)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let documents: [JSONValue]
            do {
                documents = try YAMLDocuments.load(text)
            } catch {
                throw APIError.badRequest("\(path): \(error)")
            }
            for document in documents {
                do {
                    try create(document)
                } catch let error as APIError {
                    throw APIError(code: error.code, reason: error.reason, message: "\(path): \(error.message)")
                }
            }
        }
    }

    /// Creates one object (any served kind, identified by its apiVersion and kind); returns it as stored.
    @discardableResult
    public func create(_ object: JSONValue) throws -> JSONValue {
        let apiVersion = object["apiVersion"]?.stringValue ?? ""
        let kind = object["kind"]?.stringValue ?? ""
        return try store.write(dryRun: false) { state in
            guard let type = Self.type(in: state, apiVersion: apiVersion, kind: kind) else {
                throw APIError.badRequest("no resource is served for \(apiVersion) \(kind)")
            }
            return try state.create(
                type: type, namespace: object[path: ["metadata", "namespace"]]?.stringValue, body: object,
                fieldValidation: .strict)
        }.object
    }

    /// The stored object, or nil (any served kind, by apiVersion and kind).
    public func get(apiVersion: String, kind: String, namespace: String? = nil, name: String) -> JSONValue? {
        store.read { state in
            Self.type(in: state, apiVersion: apiVersion, kind: kind).flatMap {
                state.object($0, namespace: namespace, name: name)
            }
        }
    }

    /// Every stored object of a kind (in `namespace`, or all), in key order.
    public func list(apiVersion: String, kind: String, namespace: String? = nil) -> [JSONValue] {
        store.read { state in
            guard let type = Self.type(in: state, apiVersion: apiVersion, kind: kind) else { return [] }
            let items = try? state.list(
                type, namespace: type.namespaced ? namespace : nil, labels: nil, fields: nil, limit: nil,
                continueToken: nil)
            return items?.items ?? []
        }
    }

    static func type(in state: APIState, apiVersion: String, kind: String) -> ResourceType? {
        let parts = apiVersion.split(separator: "/").map(String.init)
        let (group, version) = parts.count == 2 ? (parts[0], parts[1]) : ("", apiVersion)
        return state.types.values.first { $0.group == group && $0.version == version && $0.kind == kind }
    }

    /// Writes a kubeconfig whose current context points at this server (plain http, no credentials).
    public func writeKubeconfig(to path: String, namespace: String = "default", token: String? = nil) throws {
        let text = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: c8s-sim
              cluster:
                server: \(baseURL.absoluteString)
            users:
            - name: c8s-sim
              user: \(token.map { "{token: \"\($0)\"}" } ?? "{}")
            contexts:
            - name: c8s-sim
              context:
                cluster: c8s-sim
                user: c8s-sim
                namespace: \(namespace)
            current-context: c8s-sim
            preferences: {}

            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}

/// Runs a `TestAPIServer` for the duration of `body` and stops it afterwards (graceful shutdown: all watches end).
/// The default logger only reports warnings and errors.
public func withTestAPIServer<T: Sendable>(
    configuration: TestAPIServer.Configuration = .init(),
    logger: Logger? = nil,
    _ body: @Sendable (TestAPIServer) async throws -> T
) async throws -> T {
    var quiet = Logger(label: "c8s.test-api-server")
    quiet.logLevel = .warning
    let logger = logger ?? quiet
    let server = try TestAPIServer(configuration: configuration, logger: logger)
    let (ready, readyContinuation) = AsyncStream<Void>.makeStream()
    let service = TestAPIServer.Service(server: server) { _ in
        readyContinuation.yield()
        readyContinuation.finish()
    }
    let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
            defer { readyContinuation.finish() }
            try await group.run()
        }
        var iterator = ready.makeAsyncIterator()
        guard await iterator.next() != nil else {
            // The server ended before listening: surface its error.
            try await tasks.waitForAll()
            throw APIError(code: 500, reason: "InternalError", message: "the test API server did not start")
        }
        do {
            let result = try await body(server)
            server.endAllWatches()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            server.endAllWatches()
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}
