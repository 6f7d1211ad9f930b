import C8SKube
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Turns HTTP requests into `APIState` operations and renders the results like the real API server: objects,
/// lists, Tables, chunked watch streams and `Status` errors.
struct APIRequestHandler: Sendable {
    let store: APIStore
    let configuration: TestAPIServer.Configuration
    let serverAddress: @Sendable () -> String
    let logger: Logger
    /// Calls the validating admission webhooks (see ``AdmissionDispatcher``).
    let admission: AdmissionDispatcher

    /// A parsed resource URL.
    struct Target {
        var type: ResourceType
        var namespace: String?
        var name: String?
        var subresource: String?
    }

    func respond(to request: Request) async -> Response {
        var request = request
        let path = request.uri.path
        let query = Self.parseQuery(request.uri.query ?? "")
        do {
            let contentType = request.headers[.contentType] ?? ""
            if contentType.contains("protobuf") || contentType.contains("cbor") {
                throw APIError(
                    code: 415, reason: "UnsupportedMediaType",
                    message: "the test API server only accepts JSON bodies (and YAML for server-side apply), got "
                        + contentType)
            }
            store.count(
                APIRequestTally(
                    userAgent: request.headers[.userAgent] ?? "", method: request.method.rawValue,
                    resource: Self.resourceName(path), watch: query["watch"] == "true" || query["watch"] == "1"))
            try authenticateAndAuthorize(request, path: path, query: query)
            let body = try await request.collectBody(upTo: 32 << 20)
            let bytes = Array(body.readableBytesView)
            let response = try await route(request, path: path, query: query, body: bytes)
            logger.debug(
                "request",
                metadata: [
                    "http.method": "\(request.method)", "http.path": "\(path)",
                    "http.status": "\(response.status.code)",
                ])
            return response
        } catch let error as APIError {
            logger.debug(
                "request failed",
                metadata: [
                    "http.method": "\(request.method)", "http.path": "\(path)", "http.status": "\(error.code)",
                    "error.message": "\(error.message)",
                ])
            return Self.json(error.status, status: error.code, warnings: error.warnings)
        } catch {
            logger.error("request failed", metadata: ["http.path": "\(path)", "error.message": "\(error)"])
            return Self.json(APIError(code: 500, reason: "InternalError", message: "\(error)").status, status: 500)
        }
    }

    /// The resource plural (and subresource) a request path names: `jobs`, `pipelineruns/status`.
    static func resourceName(_ path: String) -> String {
        let segments = path.split(separator: "/")
        guard let start = segments.firstIndex(where: { $0 == "api" || $0 == "apis" }) else {
            return String(segments.first ?? "")
        }
        var rest = segments[(segments.index(after: start))...].dropFirst(segments[start] == "api" ? 1 : 2)
        if rest.first == "namespaces", rest.count >= 3 { rest = rest.dropFirst(2) }
        guard let plural = rest.first else { return "" }
        let subresource = rest.count >= 3 ? "/" + rest[rest.index(rest.startIndex, offsetBy: 2)] : ""
        return String(plural) + subresource
    }

    private func route(_ request: Request, path: String, query: [String: String], body: [UInt8]) async throws
        -> Response
    {
        let segments = path.split(separator: "/").map(String.init)
        let method = request.method
        switch segments.first {
        case "version":
            return Self.json(APIState.versionInfo)
        case "openapi":
            if segments.count == 2, segments[1] == "v2" {
                return Self.json([
                    "swagger": "2.0", "info": ["title": "c8s-sim", "version": "v1.32.0"], "paths": [:],
                    "definitions": [:],
                ])
            }
            if segments.count == 2, segments[1] == "v3" {
                return Self.json(store.read { $0.openAPIIndex() })
            }
            if segments.count >= 4, segments[1] == "v3" {
                let (group, version) =
                    segments[2] == "api" ? ("", segments[3]) : (segments[3], segments.count > 4 ? segments[4] : "")
                if let document = store.read({ $0.openAPIDocument(group: group, version: version) }) {
                    return Self.json(document)
                }
            }
            throw APIError.pathNotFound(path)
        case "healthz", "readyz", "livez":
            return Response(
                status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok")))
        case "api":
            if segments.count == 1 { return Self.json(store.read { $0.coreVersions(serverAddress: serverAddress()) }) }
            if segments.count == 2 {
                guard let list = store.read({ $0.resourceList(group: "", version: segments[1]) }) else {
                    throw APIError.pathNotFound(path)
                }
                return Self.json(list)
            }
            return try await resource(
                request, group: "", version: segments[1], rest: Array(segments.dropFirst(2)),
                query: query, body: body)
        case "apis":
            if segments.count == 1 {
                var list = store.read { $0.groupList() }
                list["groups"] = .array((list["groups"]?.arrayValue ?? []) + ReviewAPIs.groups)
                return Self.json(list)
            }
            if let answer = try review(request, segments: segments, body: body) { return answer }
            if segments.count == 2 {
                if let document = ReviewAPIs.groupDocument(segments[1]) { return Self.json(document) }
                guard let version = store.read({ $0.groupVersions()[segments[1]] }) else {
                    throw APIError.pathNotFound(path)
                }
                return Self.json(APIState.groupDocument(segments[1], version))
            }
            if segments.count == 3 {
                if let list = ReviewAPIs.resourceList(group: segments[1], version: segments[2]) {
                    return Self.json(list)
                }
                guard let list = store.read({ $0.resourceList(group: segments[1], version: segments[2]) }) else {
                    throw APIError.pathNotFound(path)
                }
                return Self.json(list)
            }
            return try await resource(
                request, group: segments[1], version: segments[2],
                rest: Array(segments.dropFirst(3)), query: query, body: body)
        default:
            _ = method
            throw APIError.pathNotFound(path)
        }
    }

    /// Parses `[namespaces/<ns>/]<resource>[/<name>[/<subresource>]]`.
    private func target(group: String, version: String, rest: [String], path: String) throws -> Target {
        func lookup(_ plural: String) throws -> ResourceType {
            guard let type = store.read({ $0.type(group: group, version: version, plural: plural) }) else {
                throw APIError.pathNotFound(path)
            }
            return type
        }
        var rest = rest
        var namespace: String?
        if rest.count >= 3, rest[0] == "namespaces", !(group.isEmpty && ["status", "finalize"].contains(rest[2])) {
            namespace = rest[1]
            rest.removeFirst(2)
        }
        guard !rest.isEmpty, rest.count <= 3 else { throw APIError.pathNotFound(path) }
        let type = try lookup(rest[0])
        if namespace != nil, !type.namespaced { throw APIError.pathNotFound(path) }
        return Target(
            type: type, namespace: type.namespaced ? namespace : nil, name: rest.count > 1 ? rest[1] : nil,
            subresource: rest.count > 2 ? rest[2] : nil)
    }

    private func resource(
        _ request: Request, group: String, version: String, rest: [String], query: [String: String], body: [UInt8]
    ) async throws -> Response {
        let target = try target(group: group, version: version, rest: rest, path: request.uri.path)
        if target.subresource == "binding", target.type.storageKey == "/pods", request.method == .post,
            let name = target.name
        {
            let binding = try Self.decode(body)
            let result = try store.write(dryRun: query["dryRun"] == "All") {
                try $0.bind(pod: name, namespace: target.namespace, binding: binding)
            }
            return Self.json(result.object, status: 201)
        }
        if let subresource = target.subresource, subresource != "status" {
            throw APIError.pathNotFound(request.uri.path)
        }
        let accept = request.headers[.accept] ?? ""
        let wantsTable = accept.contains("as=Table")
        let fieldValidation = FieldValidation(rawValue: query["fieldValidation"] ?? "") ?? .warn
        let dryRun = query["dryRun"] == "All"
        let type = target.type
        switch (request.method, target.name) {
        case (.get, nil):
            if query["watch"] == "true" || query["watch"] == "1" {
                return try watch(target, query: query, table: wantsTable)
            }
            return try list(target, query: query, table: wantsTable)
        case (.get, let name?):
            guard let object = store.read({ $0.object(type, namespace: target.namespace, name: name) }) else {
                throw APIError.notFound(type, name)
            }
            if wantsTable {
                return Self.json(
                    TableConverter(type: type).table(
                        [object],
                        listMetadata: ["resourceVersion": object[path: ["metadata", "resourceVersion"]] ?? ""],
                        includeObject: query["includeObject"] ?? "Metadata"))
            }
            return Self.json(object)
        case (.post, nil):
            if type.namespaced, target.namespace == nil {
                throw APIError.methodNotAllowed(
                    "the server does not allow this method on the requested resource: create \(type.plural) needs "
                        + "a namespaced path (/namespaces/<namespace>/\(type.plural))")
            }
            let object = try Self.decode(body)
            if let rv = object[path: ["metadata", "resourceVersion"]]?.stringValue, !rv.isEmpty {
                throw APIError.badRequest("resourceVersion should not be set on objects to be created")
            }
            let result = try await admitted(target, name: nil, dryRun: dryRun) { dryRun in
                try store.write(dryRun: dryRun) {
                    try $0.create(
                        type: type, namespace: target.namespace, body: object, fieldValidation: fieldValidation)
                }
            }
            return Self.json(result.object, status: 201, warnings: result.warnings)
        case (.put, let name?):
            let object = try Self.decode(body)
            let result = try await admitted(target, name: name, dryRun: dryRun) { dryRun in
                try store.write(dryRun: dryRun) {
                    try $0.update(
                        type: type, namespace: target.namespace, name: name, body: object,
                        subresource: target.subresource, fieldValidation: fieldValidation)
                }
            }
            return Self.json(result.object, warnings: result.warnings)
        case (.patch, let name?):
            let contentType = request.headers[.contentType] ?? ""
            guard let kind = PatchKind(contentType: contentType) else {
                throw APIError.unsupportedMediaType(contentType)
            }
            if kind == .apply, (query["fieldManager"] ?? "").isEmpty {
                throw Self.invalidPatchOptions(
                    "fieldManager", "FieldValueRequired", "Required value: is required for apply patch")
            }
            if kind != .apply, query["force"] != nil {
                throw Self.invalidPatchOptions(
                    "force", "FieldValueForbidden", "Forbidden: may not be specified for non-apply patch")
            }
            let patch = kind == .apply ? try Self.decodeYAMLOrJSON(body) : try Self.decode(body)
            let existed = store.read { $0.object(type, namespace: target.namespace, name: name) != nil }
            let result = try await admitted(target, name: name, dryRun: dryRun) { dryRun in
                try store.write(dryRun: dryRun) {
                    try $0.patch(
                        type: type, namespace: target.namespace, name: name, kind: kind, patch: patch,
                        subresource: target.subresource, fieldValidation: fieldValidation)
                }
            }
            return Self.json(result.object, status: existed ? 200 : 201, warnings: result.warnings)
        case (.delete, let name?):
            let options = try Self.deleteOptions(query: query, body: body)
            let result = try store.write(dryRun: dryRun) {
                try $0.delete(type: type, namespace: target.namespace, name: name, options: options)
            }
            if result.deleted, type.storageKey != "/pods", type.storageKey != "/services" {
                return Self.json([
                    "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success",
                    "details": [
                        "name": .string(name), "group": .string(type.group), "kind": .string(type.plural),
                        "uid": result.object[path: ["metadata", "uid"]] ?? "",
                    ],
                ])
            }
            return Self.json(result.object)
        case (.delete, nil):
            let options = try Self.deleteOptions(query: query, body: body)
            let (labels, fields) = try selectors(type, query)
            let deleted = try store.write(dryRun: dryRun) { state in
                let (items, _, _) = try state.list(
                    type, namespace: target.namespace, labels: labels, fields: fields, limit: nil, continueToken: nil)
                var removed: [JSONValue] = []
                for item in items {
                    let result = try state.delete(
                        type: type, namespace: APIState.namespace(of: item), name: APIState.name(of: item),
                        options: options)
                    removed.append(result.object)
                }
                return WriteResult(object: .array(removed))
            }
            return Self.json([
                "kind": .string("\(type.kind)List"), "apiVersion": .string(type.apiVersion),
                "metadata": ["resourceVersion": .string(String(store.read { $0.resourceVersion }))],
                "items": deleted.object,
            ])
        default:
            throw APIError.methodNotAllowed(
                "the server does not allow this method on the requested resource (\(request.method))")
        }
    }

    func selectors(_ type: ResourceType, _ query: [String: String]) throws -> (LabelSelector?, FieldSelector?) {
        do {
            let labels = try query["labelSelector"].map { try LabelSelector(parsing: $0) }
            let fields = try query["fieldSelector"].map { try FieldSelector(parsing: $0) }
            for term in fields?.terms ?? [] {
                let supported =
                    ["metadata.name", "metadata.namespace"].contains(term.field)
                    || type.fieldLabels.contains(term.field)
                if !supported {
                    throw APIError.badRequest(
                        "field label not supported: \(term.field)")
                }
            }
            return (labels, fields)
        } catch let error as SelectorError {
            throw APIError.badRequest(error.description)
        }
    }

    private func list(_ target: Target, query: [String: String], table: Bool) throws -> Response {
        let type = target.type
        let (labels, fields) = try selectors(type, query)
        let limit = query["limit"].flatMap { Int($0) }
        let (items, token, remaining, rv) = try store.read { state in
            let (items, token, remaining) = try state.list(
                type, namespace: target.namespace, labels: labels, fields: fields, limit: limit,
                continueToken: query["continue"])
            return (items, token, remaining, state.resourceVersion)
        }
        var metadata: [String: JSONValue] = ["resourceVersion": .string(String(rv))]
        if let token { metadata["continue"] = .string(token) }
        if let remaining { metadata["remainingItemCount"] = .int(Int64(remaining)) }
        if table {
            return Self.json(
                TableConverter(type: type).table(
                    items, listMetadata: .object(metadata), includeObject: query["includeObject"] ?? "Metadata"))
        }
        // Like the real server, items of built-in lists carry no apiVersion/kind (custom resource items do).
        let listed =
            type.isCustom
            ? items
            : items.map { item -> JSONValue in
                var item = item
                item["apiVersion"] = nil
                item["kind"] = nil
                return item
            }
        return Self.json([
            "kind": .string("\(type.kind)List"), "apiVersion": .string(type.apiVersion),
            "metadata": .object(metadata), "items": .array(listed),
        ])
    }

    // MARK: Helpers

    static func json(_ value: JSONValue, status: Int = 200, warnings: [String] = []) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        for warning in warnings {
            let escaped = warning.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                of: "\"", with: "\\\"")
            headers.append(HTTPField(name: HTTPField.Name("Warning")!, value: "299 - \"\(escaped)\""))
        }
        return Response(
            status: HTTPResponse.Status(code: status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: value.apiServerText)))
    }

    static func invalidPatchOptions(_ field: String, _ reason: String, _ message: String) -> APIError {
        APIError(
            code: 422, reason: "Invalid",
            message: "PatchOptions.meta.k8s.io \"\" is invalid: \(field): \(message)", name: "",
            group: "meta.k8s.io", kind: "PatchOptions", causes: [.init(reason: reason, message: message, field: field)])
    }

    static func decode(_ body: [UInt8]) throws -> JSONValue {
        do {
            return try JSONValue(parsing: body, parser: .apiServer)
        } catch {
            throw APIError.badRequest("the request body is not valid JSON: \(error)")
        }
    }

    static func decodeYAMLOrJSON(_ body: [UInt8]) throws -> JSONValue {
        if let value = try? JSONValue(parsing: body, parser: .apiServer) { return value }
        do {
            let documents = try YAMLDocuments.load(String(decoding: body, as: UTF8.self))
            guard documents.count == 1 else {
                throw APIError.badRequest("an apply patch must hold exactly one YAML document")
            }
            return documents[0]
        } catch let error as YAMLLoadError {
            throw APIError.badRequest("error decoding YAML: \(error.description)")
        }
    }

    static func deleteOptions(query: [String: String], body: [UInt8]) throws -> DeleteOptions {
        var options = DeleteOptions()
        let document = body.isEmpty ? JSONValue.object([:]) : try decode(body)
        let policy = query["propagationPolicy"] ?? document["propagationPolicy"]?.stringValue
        if let policy {
            guard let parsed = PropagationPolicy(rawValue: policy) else {
                throw APIError.badRequest("unsupported propagationPolicy \"\(policy)\"")
            }
            options.propagationPolicy = parsed
        } else if let orphan = query["orphanDependents"].map({ $0 == "true" })
            ?? document["orphanDependents"]?.boolValue
        {
            options.propagationPolicy = orphan ? .orphan : .background
        }
        options.preconditionUID = document[path: ["preconditions", "uid"]]?.stringValue
        options.preconditionResourceVersion = document[path: ["preconditions", "resourceVersion"]]?.stringValue
        return options
    }

    static func parseQuery(_ query: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            let decode: (String) -> String = {
                $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? $0
            }
            let key = decode(parts[0])
            result[key] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return result
    }
}
