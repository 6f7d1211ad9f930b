import C8SAPI
import C8SKube
import C8SLogs
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// `GET /api/v1/namespaces/{ns}/pipelineruns/{name}/steps/{step}/log`.
extension CoordinatorAPI {
    /// The query of a log request.
    struct LogQuery: Sendable, Hashable {
        enum Format: String, Sendable { case text, ndjson, html }
        var container = StepJobBuilder.stepContainer
        var tail: Int64?
        /// `from`/`to`: the 0-based line range `[from, to)`; a follow starts at `from`.
        var from: Int64?
        var to: Int64?
        var follow = false
        var timestamps = false
        var format = Format.text

        init(_ parameter: (String) -> String?) throws(APIProblem) {
            func flag(_ name: String) throws(APIProblem) -> Bool {
                guard let value = parameter(name) else { return false }
                switch value.lowercased() {
                case "", "true", "1": return true
                case "false", "0": return false
                default: throw .badRequest("\(name) must be true or false, not \"\(value)\"")
                }
            }
            if let container = parameter("container"), !container.isEmpty { self.container = container }
            if let tail = parameter("tail") {
                guard let count = Int64(tail), count >= 0 else {
                    throw .badRequest("tail must be a non-negative number of lines, not \"\(tail)\"")
                }
                self.tail = count
            }
            func line(_ name: String) throws(APIProblem) -> Int64? {
                guard let value = parameter(name) else { return nil }
                guard let number = Int64(value), number >= 0 else {
                    throw .badRequest("\(name) must be a non-negative line number, not \"\(value)\"")
                }
                return number
            }
            from = try line("from")
            to = try line("to")
            if let from, let to, to < from {
                throw .badRequest("to (\(to)) must not be before from (\(from))")
            }
            if tail != nil, from != nil || to != nil {
                throw .badRequest("tail cannot be combined with from or to")
            }
            follow = try flag("follow")
            timestamps = try flag("timestamps")
            if let format = parameter("format") {
                guard let parsed = Format(rawValue: format) else {
                    throw .badRequest("format must be text, ndjson or html, not \"\(format)\"")
                }
                self.format = parsed
            }
        }

        /// One record as it goes on the wire (with its newline).
        func encode(_ record: NumberedLogRecord) -> [UInt8] {
            switch format {
            case .ndjson: return record.jsonLine()
            case .html: return record.htmlJSONLine()
            case .text: return Array((LogLineFormat(timestamps: timestamps).format(record.record) + "\n").utf8)
            }
        }

        var contentType: String { format == .text ? "text/plain; charset=utf-8" : "application/x-ndjson" }
    }

    func stepLog(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let namespace = try context.parameters.require("namespace")
        let name = try context.parameters.require("name")
        let step = try context.parameters.require("step")
        try await check(
            request, verb: "get", resource: PipelineRun.plural, subresource: "log", namespace: namespace, name: name)
        let parameters = request.uri.queryParameters
        let query = try LogQuery { parameters.get($0) }
        guard let store = configuration.logStore else {
            throw APIProblem(
                code: 503, reason: "ServiceUnavailable",
                message: "the coordinator has no log store (start it with --log-store or C8S_LOG_STORE)")
        }
        let run = try await self.run(name, namespace: namespace)
        if let steps = Self.knownSteps(of: run), !steps.contains(step) {
            throw APIProblem.notFound("pipelinerun \"\(name)\" in namespace \"\(namespace)\" has no step \"\(step)\"")
        }
        let location = try Self.location(namespace: namespace, run: name, step: step, container: query.container)
        let reader = LogReader(store: store, location: location, pollInterval: configuration.logPollInterval)
        // The index is read once: a whole download then fetches each chunk once, and a tail only the last chunks.
        let index = try await reader.index()
        let hasCompletion = try await reader.completion() != nil
        let stored = index.lineCount > 0 || hasCompletion
        let headers: HTTPFields = [.contentType: query.contentType, .cacheControl: "no-cache"]

        if !query.follow {
            guard stored || Self.hasStarted(run.status?[step: step]) else {
                throw APIProblem.notFound(
                    "step \"\(step)\" of pipelinerun \"\(name)\" in namespace \"\(namespace)\" has not started yet")
            }
            let records =
                query.tail.map { reader.tail($0, index: index) }
                ?? ((query.from != nil || query.to != nil)
                    ? reader.records(lines: (query.from ?? 0)..<(query.to ?? Int64.max), index: index)
                    : reader.records(index: index))
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { [logger] writer in
                    var buffer = ByteBuffer()
                    do {
                        for try await record in records {
                            buffer.writeBytes(query.encode(record))
                            if buffer.readableBytes >= 64 * 1024 {
                                try await writer.write(buffer)
                                buffer.clear()
                            }
                        }
                    } catch {
                        logger.warning(
                            "reading a stored log failed",
                            metadata: ["log.location": "\(location)", "error.message": "\(error)"])
                    }
                    if buffer.readableBytes > 0 { try await writer.write(buffer) }
                    try await writer.finish(nil)
                })
        }

        let live = StepPodLiveSource(
            client: client, httpClient: httpClient, namespace: namespace, run: name, step: step,
            container: query.container, logger: logger)
        let start: LogReader.FollowStart = query.tail.map { LogReader.FollowStart.tail($0) } ?? .line(query.from ?? 0)
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { [self] writer in
                do {
                    if !stored, try await !waitForStart(run: run, step: step) {
                        try await writer.finish(nil)
                        return
                    }
                    for try await record in reader.follow(live: live, from: start) {
                        try await writer.write(ByteBuffer(bytes: query.encode(record)))
                    }
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning(
                        "following a log failed",
                        metadata: ["log.location": "\(location)", "error.message": "\(error)"])
                }
                try await writer.finish(nil)
            })
    }

    static func location(namespace: String, run: String, step: String, container: String) throws(APIProblem)
        -> LogLocation
    {
        let result = Result { () throws(LogStoreError) -> LogLocation in
            try LogLocation(namespace: namespace, run: run, step: step, container: container)
        }
        switch result {
        case .success(let location): return location
        case .failure(let error): throw .badRequest(error.message)
        }
    }

    /// The step names of a run's resolved pipeline, or nil when it has none yet.
    static func knownSteps(of run: PipelineRun) -> Set<String>? {
        var names = Set(run.status?.steps?.map(\.name) ?? [])
        names.formUnion(run.status?.resolvedSpec?.steps.map(\.name) ?? [])
        return names.isEmpty ? nil : names
    }

    /// Whether a step has a Pod (or ran): its log can exist.
    static func hasStarted(_ step: PipelineRun.StepStatus?) -> Bool {
        guard let step else { return false }
        return step.podName != nil || step.startTime != nil || step.phase == .succeeded || step.phase == .failed
    }

    /// Waits, on a watch of the run, until the step has started (true) or can no longer start: the run finished or
    /// was deleted, or the step was skipped or cancelled (false).
    func waitForStart(run: PipelineRun, step: String) async throws -> Bool {
        var current = run
        var version = run.metadata.resourceVersion
        while true {
            if Self.hasStarted(current.status?[step: step]) { return true }
            let phase = current.status?[step: step]?.phase
            if current.status?.phase?.isTerminal == true || phase == .skipped || phase == .cancelled { return false }
            let events = try await client.watch(
                PipelineRun.self, namespace: run.metadata.namespace,
                options: ListOptions(
                    fieldSelector: "metadata.name=\(run.metadata.name ?? "")", resourceVersion: version,
                    timeoutSeconds: 20, allowWatchBookmarks: true))
            do {
                for try await event in events {
                    switch event {
                    case .added(let object), .modified(let object):
                        current = object
                        version = object.metadata.resourceVersion
                    case .deleted:
                        return false
                    case .bookmark(let resourceVersion):
                        version = resourceVersion
                        continue
                    }
                    if Self.hasStarted(current.status?[step: step]) { return true }
                    let phase = current.status?[step: step]?.phase
                    if current.status?.phase?.isTerminal == true || phase == .skipped || phase == .cancelled {
                        return false
                    }
                }
            } catch let error as KubeError where error.code == .timeout {
                continue  // the client's request deadline ended the watch: watch again from the last version
            } catch let error as KubeError where error.isGone {
                guard
                    let fresh = try await client.getIfPresent(
                        PipelineRun.self, name: run.metadata.name ?? "", namespace: run.metadata.namespace)
                else { return false }
                current = fresh
                version = fresh.metadata.resourceVersion
            }
        }
    }
}
