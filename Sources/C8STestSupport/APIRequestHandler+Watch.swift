import Hummingbird
import NIOCore

extension APIRequestHandler {
    /// A watch response: newline-delimited JSON events streamed with chunked encoding until the watch ends
    /// (timeoutSeconds, `endAllWatches`, server stop, a 410, or a failed write to a departed client).
    func watch(_ target: Target, query: [String: String], table: Bool) throws -> Response {
        let type = target.type
        let (labels, fields) = try selectors(type, query)
        var filter = WatchFilter(type: type, namespace: target.namespace, labels: labels, fields: fields)
        if let field = fields?.terms.first(where: { $0.field == "metadata.name" && !$0.negated }) {
            filter.name = field.value
        }
        let bookmarks = query["allowWatchBookmarks"] == "true"
        let timeout = query["timeoutSeconds"].flatMap { Int($0) }
        let includeObject = query["includeObject"] ?? "Metadata"
        let (id, stream) = try store.withState { state in
            let initialEvents = query["sendInitialEvents"] == "true"
            let registration = state.watch(
                filter, resourceVersion: query["resourceVersion"], sendInitialEvents: initialEvents)
            if bookmarks, !initialEvents { state.bookmark(registration.id) }
            return registration
        }
        let store = self.store
        let interval = configuration.bookmarkInterval
        let body = ResponseBody { writer in
            defer { _ = try? store.withState { $0.stopWatch(id) } }
            try await withThrowingTaskGroup(of: Void.self) { group in
                if bookmarks {
                    group.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: interval)
                            store.read { $0.bookmark(id) }
                        }
                    }
                }
                if let timeout {
                    group.addTask {
                        try await Task.sleep(for: .seconds(timeout))
                        _ = try? store.withState { $0.stopWatch(id) }
                    }
                }
                for await event in stream {
                    var event = event
                    if table, event.type != "ERROR", event.type != "BOOKMARK" {
                        event.object = TableConverter(type: type).table(
                            [event.object], listMetadata: [:], includeObject: includeObject)
                    }
                    var buffer = ByteBuffer(string: event.frame.apiServerText)
                    buffer.writeString("\n")
                    try await writer.write(buffer)
                }
                group.cancelAll()
            }
            try await writer.finish(nil)
        }
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[.transferEncoding] = "chunked"
        return Response(status: .ok, headers: headers, body: body)
    }
}
