import C8SLogs
import Hummingbird
import Logging
import NIOCore

/// `GET /v1/live/{namespace}/{pod}/{container}?from=<line>`: a followed container's masked lines as NDJSON.
struct LiveRoutes: Sendable {
    let registry: LiveRegistry
    let logger: Logger

    func register(on router: Router<some RequestContext>) {
        router.get("/v1/live/:namespace/:pod/:container") { request, context -> Response in
            let namespace = try context.parameters.require("namespace")
            let pod = try context.parameters.require("pod")
            let container = try context.parameters.require("container")
            var from: Int64 = 0
            if let text = request.uri.queryParameters.get("from") {
                guard let value = Int64(text), value >= 0 else {
                    return Self.message(.badRequest, "from=\(text) is not a line number (0 or more)")
                }
                from = value
            }
            let source: any LiveLogSource
            switch registry.lookup(namespace: namespace, pod: pod, container: container) {
            case .source(let found):
                source = found
            case .notStarted:
                return Self.message(
                    .notFound, "container \(container) of Pod \(namespace)/\(pod) has written no log yet; retry")
            case .unknownContainer:
                return Self.message(.notFound, "Pod \(namespace)/\(pod) has no container \(container)")
            case .unknownPod:
                return Self.message(.notFound, "this agent does not follow Pod \(namespace)/\(pod)")
            }
            let records = try await source.records(from: from)
            let logger = self.logger
            return Response(
                status: .ok, headers: [.contentType: "application/x-ndjson"],
                body: ResponseBody { writer in
                    do {
                        for try await record in records {
                            try await writer.write(ByteBuffer(bytes: record.jsonLine()))
                        }
                    } catch {
                        logger.debug(
                            "live stream ended early",
                            metadata: [
                                "pod.namespace": "\(namespace)", "pod.name": "\(pod)", "container.name": "\(container)",
                                "error.message": "\(error)",
                            ])
                        throw error
                    }
                    try await writer.finish(nil)
                })
        }
    }

    static func message(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
    }
}
