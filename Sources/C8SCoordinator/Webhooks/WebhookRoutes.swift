import Hummingbird
import Logging

/// The webhook endpoints as Hummingbird routes: `POST <prefix>/github`, `/gitlab`, `/bitbucket`,
/// `/gitea` (the prefix defaults to `/webhooks`). Other methods on those paths answer 405.
///
/// ```swift
/// WebhookRoutes(receiver: receiver, logger: logger).register(on: router)
/// ```
public struct WebhookRoutes: Sendable {
    /// Settings of the webhook endpoints.
    ///
    /// - `pathPrefix`: where the endpoints live (default `/webhooks`).
    /// - `maximumBodySize`: largest accepted body in bytes (default 25 MiB, GitHub's own cap);
    ///   enforced while reading, so no more than this is ever buffered.
    public struct Configuration: Sendable {
        public var pathPrefix: String
        public var maximumBodySize: Int

        public init(pathPrefix: String = "/webhooks", maximumBodySize: Int = 25 * 1024 * 1024) {
            self.pathPrefix = pathPrefix
            self.maximumBodySize = maximumBodySize
        }
    }

    public let receiver: WebhookReceiver
    public let configuration: Configuration
    public let logger: Logger

    public init(receiver: WebhookReceiver, configuration: Configuration = .init(), logger: Logger) {
        self.receiver = receiver
        self.configuration = configuration
        self.logger = logger
    }

    /// Adds the endpoints to `router`.
    public func register<Context: RequestContext>(on router: some RouterMethods<Context>) {
        for source in WebhookSource.allCases {
            let path = RouterPath(configuration.pathPrefix + "/" + source.rawValue)
            router.post(path) { request, _ in
                await self.handle(source: source, request: request)
            }
            for method in [HTTPRequest.Method.get, .put, .delete, .patch] {
                router.on(path, method: method) { _, _ in
                    Self.response(
                        WebhookResponse(status: 405, outcome: .error, message: "use POST"),
                        extraHeaders: [.allow: "POST"])
                }
            }
        }
    }

    func handle(source: WebhookSource, request: Request) async -> Response {
        let body: [UInt8]
        do {
            body = try await Self.readBody(request, limit: configuration.maximumBodySize)
        } catch let error as WebhookError {
            logger.info(
                "webhook refused", metadata: ["webhook.source": "\(source.rawValue)", "error.message": "\(error)"])
            return Self.response(WebhookResponse(error))
        } catch {
            return Self.response(WebhookResponse(.malformed("could not read the request body")))
        }
        let headers = WebhookHeaders(request.headers.map { ($0.name.canonicalName, $0.value) })
        let result = await receiver.receive(source: source, headers: headers, body: body, logger: logger)
        return Self.response(result)
    }

    /// Reads the body, refusing (413) as soon as it would exceed `limit`: a declared
    /// `Content-Length` above the limit is refused before reading anything.
    static func readBody(_ request: Request, limit: Int) async throws -> [UInt8] {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw WebhookError.tooLarge(limit: limit)
        }
        var collected: [UInt8] = []
        for try await chunk in request.body {
            guard collected.count + chunk.readableBytes <= limit else { throw WebhookError.tooLarge(limit: limit) }
            collected.append(contentsOf: chunk.readableBytesView)
        }
        return collected
    }

    static func response(_ result: WebhookResponse, extraHeaders: HTTPFields = [:]) -> Response {
        var headers = extraHeaders
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(
            status: HTTPResponse.Status(code: result.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: result.jsonBody)))
    }
}
