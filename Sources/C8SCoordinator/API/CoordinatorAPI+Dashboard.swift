import C8SAPI
import C8SKube
import C8SLogs
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The endpoints the dashboard needs besides the basic ones: run-change streams (Server-Sent Events), re-run, a
/// step log's summary and server-side search over the stored chunks.
extension CoordinatorAPI {
    func registerDashboardEndpoints(on router: Router<BasicRequestContext>) {
        let base = "/api/v1/namespaces/:namespace"
        router.get("/api/v1/watch/namespaces/:namespace/pipelineruns") { request, context in
            await answer { try await watchRuns(request, namespace: try context.parameters.require("namespace")) }
        }
        router.get("/api/v1/watch/pipelineruns") { request, _ in
            await answer { try await watchRuns(request, namespace: nil) }
        }
        router.post("\(base)/pipelineruns/:name/rerun") { request, context in
            await answer { try await rerunRun(request, context) }
        }
        router.get("\(base)/pipelineruns/:name/steps/:step/log/summary") { request, context in
            await answer { try await logSummary(request, context) }
        }
        router.get("\(base)/pipelineruns/:name/steps/:step/log/search") { request, context in
            await answer { try await searchLog(request, context) }
        }
    }

    // MARK: - Run changes

    /// `text/event-stream` of ``RunChange``s from the informer cache: `event: ADDED|MODIFIED|DELETED`,
    /// `data: {"type","namespace","name","phase","resourceVersion","parent"}`; a comment every 15 s keeps it open.
    /// Without a namespace, changes of every namespace the caller may `watch pipelineruns` in.
    func watchRuns(_ request: Request, namespace: String?) async throws -> Response {
        let user: APIUser
        if let namespace {
            user = try await check(request, verb: "watch", resource: PipelineRun.plural, namespace: namespace)
        } else {
            user = try await caller(request).user
        }
        let onlyName = request.uri.queryParameters.get("name").flatMap { $0.isEmpty ? nil : $0 }
        guard let runCache else {
            throw APIProblem(code: 503, reason: "ServiceUnavailable", message: "run-change streams are not enabled")
        }
        guard let changes = runCache.subscribe() else {
            throw APIProblem(
                code: 503, reason: "ServiceUnavailable",
                message: "too many run-change streams are open (at most \(runCache.maximumSubscribers))")
        }
        let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { [self] writer in
                var allowed: [String: Bool] = [:]
                try await writer.write(ByteBuffer(string: "retry: 2000\n: connected\n\n"))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    let (beats, beat) = AsyncStream.makeStream(
                        of: RunChange?.self, bufferingPolicy: .bufferingNewest(1))
                    group.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: .seconds(15))
                            beat.yield(nil)
                        }
                    }
                    group.addTask {
                        for await change in changes { beat.yield(change) }
                        beat.finish()
                    }
                    defer { group.cancelAll() }
                    for await item in beats {
                        guard let change = item else {
                            try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                            continue
                        }
                        if let namespace, change.namespace != namespace { continue }
                        if let onlyName, change.name != onlyName, change.parent != onlyName { continue }
                        if namespace == nil {
                            if allowed[change.namespace] == nil {
                                if allowed.count >= 4096 { allowed = [:] }
                                allowed[change.namespace] = await may(
                                    user, verb: "watch", resource: PipelineRun.plural, namespace: change.namespace)
                            }
                            guard allowed[change.namespace] == true else { continue }
                        }
                        let data = String(decoding: (try? KubeCodec.encode(change.json)) ?? Data(), as: UTF8.self)
                        try await writer.write(ByteBuffer(string: "event: \(change.kind.rawValue)\ndata: \(data)\n\n"))
                    }
                }
                try await writer.finish(nil)
            })
    }

    /// Whether `user` may do `verb` on `resource` (a denial or a failed review is false).
    func may(
        _ user: APIUser, verb: String, resource: String, subresource: String? = nil, namespace: String,
        name: String? = nil
    ) async -> Bool {
        do {
            try await reviewer.authorize(
                user,
                .init(
                    namespace: namespace, verb: verb, group: C8SGroup.name, resource: resource,
                    subresource: subresource, name: name))
            return true
        } catch {
            return false
        }
    }

    // MARK: - Starting and re-running

    /// Creates a manual run of a config for `user` (404 when the config does not exist).
    func startRun(
        config name: String, namespace: String, commit: String?, branch: String?, user: APIUser
    ) async throws -> PipelineRun {
        let config = try await kube {
            try await client.getIfPresent(PipelineConfig.self, name: name, namespace: namespace)
        }
        guard config != nil else {
            throw APIProblem.notFound("pipelineconfig \"\(name)\" not found in namespace \"\(namespace)\"")
        }
        var metadata = ObjectMeta(namespace: namespace)
        metadata.generateName = "\(name)-"
        metadata.labels = [C8SLabels.pipelineConfig: name]
        let run = PipelineRun(
            metadata: metadata,
            spec: .init(
                pipelineConfigRef: .init(name: name), commit: commit.flatMap { $0.isEmpty ? nil : $0 },
                branch: branch.flatMap { $0.isEmpty ? nil : $0 }, event: .manual, triggeredBy: user.name,
                triggeredAt: KubeTime(Date())))
        let created = try await kube { try await client.create(run) }
        logger.info(
            "run created through the API",
            metadata: ["run.name": "\(namespace)/\(created.metadata.name ?? "")", "user.name": "\(user.name)"])
        return created
    }

    /// `POST …/pipelineruns/{name}/rerun`: a new run of the same spec (config, commit, branch, event, matrix
    /// values), triggered by the caller now.
    func rerunRun(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let namespace = try context.parameters.require("namespace")
        let name = try context.parameters.require("name")
        let user = try await check(request, verb: "create", resource: PipelineRun.plural, namespace: namespace)
        let created = try await rerun(try await run(name, namespace: namespace), user: user)
        return try Self.json(KubeCodec.json(created), status: .created)
    }

    /// Creates the re-run of `original` for `user`.
    func rerun(_ original: PipelineRun, user: APIUser) async throws -> PipelineRun {
        let namespace = original.metadata.namespace ?? ""
        var metadata = ObjectMeta(namespace: namespace)
        metadata.generateName = "\(original.spec.pipelineConfigRef.name)-"
        metadata.labels = [C8SLabels.pipelineConfig: original.spec.pipelineConfigRef.name]
        if let priority = original.metadata.labels?[C8SLabels.priority] {
            metadata.labels?[C8SLabels.priority] = priority
        }
        var spec = original.spec
        spec.cancel = nil
        spec.triggeredBy = user.name
        spec.triggeredAt = KubeTime(Date())
        let created = try await kube { try await client.create(PipelineRun(metadata: metadata, spec: spec)) }
        logger.info(
            "run re-run through the API",
            metadata: [
                "run.name": "\(namespace)/\(created.metadata.name ?? "")",
                "run.original": "\(original.metadata.name ?? "")", "user.name": "\(user.name)",
            ])
        return created
    }

    // MARK: - Log summary and search

    /// The stored log of a step container, after the access check.
    func storedLog(_ request: Request, _ context: BasicRequestContext) async throws -> (LogReader, container: String) {
        let namespace = try context.parameters.require("namespace")
        let name = try context.parameters.require("name")
        let step = try context.parameters.require("step")
        try await check(
            request, verb: "get", resource: PipelineRun.plural, subresource: "log", namespace: namespace, name: name)
        guard let store = configuration.logStore else {
            throw APIProblem(
                code: 503, reason: "ServiceUnavailable",
                message: "the coordinator has no log store (start it with --log-store or C8S_LOG_STORE)")
        }
        let container =
            request.uri.queryParameters.get("container").flatMap { $0.isEmpty ? nil : $0 }
            ?? StepJobBuilder.stepContainer
        let run = try await self.run(name, namespace: namespace)
        if let steps = Self.knownSteps(of: run), !steps.contains(step) {
            throw APIProblem.notFound("pipelinerun \"\(name)\" in namespace \"\(namespace)\" has no step \"\(step)\"")
        }
        let location = try Self.location(namespace: namespace, run: name, step: step, container: container)
        return (LogReader(store: store, location: location), container)
    }

    /// `GET …/log/summary`: `{"lines","chunks","bytes","complete","firstTime","lastTime"}` from the stored index.
    func logSummary(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let (reader, _) = try await storedLog(request, context)
        let completion = try await reader.completion()
        let index = try await reader.index()
        var object: [String: C8SKube.JSONValue] = [
            "lines": .int(index.lineCount), "chunks": .int(Int64(index.chunks.count)),
            "bytes": .int(index.uncompressedBytes), "complete": .bool(completion != nil),
        ]
        if let first = index.chunks.first {
            object["firstTime"] = .string(ChunkTimestamp.format(first.firstTimestampNanos))
        }
        if let last = index.chunks.last { object["lastTime"] = .string(ChunkTimestamp.format(last.lastTimestampNanos)) }
        return try Self.json(.object(object))
    }

    /// `GET …/log/search?q=TEXT&context=N&limit=M&case=true`: NDJSON, one
    /// `{"line":N,"text":"…","before":[{"line","text"}],"after":[…]}` per matching stored line in order, then
    /// `{"done":true,"matches":K,"scanned":LINES,"truncated":BOOL}`.
    func searchLog(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        guard let query = parameters.get("q"), !query.isEmpty else {
            throw APIProblem.badRequest("q must be the text to search for")
        }
        guard query.utf8.count <= LogSearch.maximumQueryBytes else {
            throw APIProblem.badRequest("q is longer than \(LogSearch.maximumQueryBytes) bytes")
        }
        func number(_ name: String, default value: Int, maximum: Int) throws(APIProblem) -> Int {
            guard let text = parameters.get(name) else { return value }
            guard let parsed = Int(text), parsed >= 0, parsed <= maximum else {
                throw .badRequest("\(name) must be a number from 0 to \(maximum), not \"\(text)\"")
            }
            return parsed
        }
        let contextLines = try number("context", default: 2, maximum: LogSearch.maximumContext)
        let limit = try number(
            "limit", default: min(1000, configuration.maximumSearchMatches), maximum: configuration.maximumSearchMatches
        )
        let caseSensitive = parameters.get("case").map { $0 == "true" || $0 == "1" } ?? false
        let (reader, _) = try await storedLog(request, context)
        let records = reader.records()
        let headers: HTTPFields = [.contentType: "application/x-ndjson", .cacheControl: "no-cache"]
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { [logger] writer in
                var search = LogSearch(query: query, caseSensitive: caseSensitive, context: contextLines)
                var buffer = ByteBuffer()
                var matches = 0
                var scanned: Int64 = 0
                func emit(_ found: [LogSearch.Match]) {
                    for match in found where matches < limit {
                        matches += 1
                        buffer.writeBytes(Self.searchLine(match))
                    }
                }
                do {
                    for try await record in records {
                        scanned += 1
                        emit(search.feed(number: record.lineNumber, text: record.record.text))
                        if matches >= limit { break }
                        if buffer.readableBytes >= 16 * 1024 {
                            try await writer.write(buffer)
                            buffer.clear()
                        }
                    }
                    if matches < limit { emit(search.finish()) }
                } catch {
                    logger.warning("searching a stored log failed", metadata: ["error.message": "\(error)"])
                }
                let done: C8SKube.JSONValue = [
                    "done": .bool(true), "matches": .int(Int64(matches)), "scanned": .int(scanned),
                    "truncated": .bool(matches >= limit),
                ]
                buffer.writeBytes((try? KubeCodec.encode(done)) ?? Data())
                buffer.writeString("\n")
                try await writer.write(buffer)
                try await writer.finish(nil)
            })
    }

    static func searchLine(_ match: LogSearch.Match) -> [UInt8] {
        func line(_ line: LogSearch.Line) -> C8SKube.JSONValue {
            ["line": .int(line.number), "text": .string(line.text)]
        }
        let value: C8SKube.JSONValue = [
            "line": .int(match.line.number), "text": .string(match.line.text),
            "before": .array(match.before.map(line)), "after": .array(match.after.map(line)),
        ]
        var bytes = Array((try? KubeCodec.encode(value)) ?? Data())
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }
}
