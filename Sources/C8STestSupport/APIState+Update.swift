import C8SKube
import Foundation

/// The body format of a PATCH request.
enum PatchKind: Sendable {
    case merge
    case strategicMerge
    case json
    case apply

    init?(contentType: String) {
        let base = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        switch base {
        case "application/merge-patch+json": self = .merge
        case "application/strategic-merge-patch+json": self = .strategicMerge
        case "application/json-patch+json": self = .json
        case "application/apply-patch+yaml", "application/apply-patch+json", "application/apply-patch+cbor":
            self = .apply
        default: return nil
        }
    }
}

extension APIState {
    // MARK: Update

    /// PUT: replaces the object (or only its status for the `status` subresource).
    mutating func update(
        type: ResourceType, namespace: String?, name: String, body: JSONValue, subresource: String?,
        fieldValidation: FieldValidation
    ) throws -> WriteResult {
        guard let old = object(type, namespace: namespace, name: name) else { throw APIError.notFound(type, name) }
        guard case .object = body else { throw APIError.badRequest("the request body must be a JSON object") }
        let bodyName = Self.name(of: body)
        if !bodyName.isEmpty, bodyName != name {
            throw APIError.badRequest(
                "the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        let requestedRV = body[path: ["metadata", "resourceVersion"]]?.stringValue ?? ""
        if requestedRV.isEmpty, type.isCustom {
            throw APIError.invalid(
                type, name,
                [
                    .init(
                        reason: "FieldValueInvalid", message: "Invalid value: 0x0: must be specified for an update",
                        field: "metadata.resourceVersion")
                ])
        }
        if !requestedRV.isEmpty, requestedRV != old[path: ["metadata", "resourceVersion"]]?.stringValue {
            throw APIError.staleResourceVersion(type, name)
        }
        return try commitUpdate(
            type: type, old: old, new: body, subresource: subresource, fieldValidation: fieldValidation)
    }

    /// PATCH: merge, strategic merge (treated as merge), JSON patch, or server-side apply (a merge of the applied
    /// fields; creates the object when it does not exist).
    mutating func patch(
        type: ResourceType, namespace: String?, name: String, kind: PatchKind, patch: JSONValue,
        subresource: String?, fieldValidation: FieldValidation
    ) throws -> WriteResult {
        guard let old = object(type, namespace: namespace, name: name) else {
            if kind == .apply, subresource == nil {
                var body = Self.stripDirectives(patch)
                if Self.name(of: body).isEmpty { body.set(path: ["metadata", "name"], to: .string(name)) }
                guard Self.name(of: body) == name else {
                    throw APIError.badRequest(
                        "the name of the object (\(Self.name(of: body))) does not match the name on the URL (\(name))")
                }
                return try create(type: type, namespace: namespace, body: body, fieldValidation: fieldValidation)
            }
            throw APIError.notFound(type, name)
        }
        var new: JSONValue
        switch kind {
        case .merge, .apply:
            guard case .object = patch else { throw APIError.badRequest("a merge patch must be a JSON object") }
            new = JSONPatch.mergePatch(old, with: kind == .apply ? Self.stripDirectives(patch) : patch)
        case .strategicMerge:
            guard case .object = patch else { throw APIError.badRequest("a merge patch must be a JSON object") }
            new = JSONPatch.mergePatch(old, with: Self.stripDirectives(patch))
        case .json:
            do {
                new = try JSONPatch.apply(patch, to: old)
            } catch let error as PatchError {
                throw APIError(code: 422, reason: "Invalid", message: error.description)
            }
        }
        if let requestedRV = patch[path: ["metadata", "resourceVersion"]]?.stringValue,
            requestedRV != old[path: ["metadata", "resourceVersion"]]?.stringValue
        {
            throw APIError.staleResourceVersion(type, name)
        }
        new.set(path: ["metadata", "resourceVersion"], to: old[path: ["metadata", "resourceVersion"]])
        return try commitUpdate(
            type: type, old: old, new: new, subresource: subresource,
            fieldValidation: fieldValidation)
    }

    /// Removes strategic-merge-patch directives (`$patch`, `$setElementOrder/...`, `$retainKeys`, ...) so a
    /// strategic merge patch can be applied as a plain merge patch.
    static func stripDirectives(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            return .object(
                members.filter { !$0.key.hasPrefix("$") }.mapValues { stripDirectives($0) })
        case .array(let elements):
            return .array(elements.map(stripDirectives))
        default:
            return value
        }
    }

    /// The shared second half of PUT and PATCH: subresource separation, immutable metadata, schema, generation,
    /// no-op detection, and removal once a deleting object loses its last finalizer.
    mutating func commitUpdate(
        type: ResourceType, old: JSONValue, new body: JSONValue, subresource: String?,
        fieldValidation: FieldValidation
    ) throws -> WriteResult {
        var new = body
        let name = Self.name(of: old)
        if subresource == "status" {
            new = old
            new["status"] = body["status"]
        } else if let subresource {
            throw APIError.pathNotFound("subresource \(subresource)")
        } else if type.hasStatusSubresource {
            new["status"] = old["status"]
        }
        new["apiVersion"] = .string(type.apiVersion)
        new["kind"] = .string(type.kind)
        var metadata = new["metadata"]?.objectValue ?? [:]
        let oldMetadata = old["metadata"]?.objectValue ?? [:]
        for key in [
            "name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
            "generation", "resourceVersion",
        ] {
            metadata[key] = oldMetadata[key]
        }
        metadata.removeValue(forKey: "managedFields")
        new["metadata"] = .object(metadata)
        if new["status"]?.isNull == true { new["status"] = nil }
        if oldMetadata["deletionTimestamp"] != nil {
            let added = Set(Self.finalizers(of: new)).subtracting(Self.finalizers(of: old))
            if !added.isEmpty {
                throw APIError.invalid(
                    type, name,
                    [
                        .init(
                            reason: "FieldValueForbidden",
                            message: "Forbidden: no new finalizers can be added if the object is being deleted, found "
                                + "new finalizers \(added.sorted().map { "\"\($0)\"" })",
                            field: "metadata.finalizers")
                    ])
            }
        }
        let metadataCauses = MetadataValidator.validate(new)
        if !metadataCauses.isEmpty { throw APIError.invalid(type, name, metadataCauses) }
        if subresource == nil { new = try BuiltInStrategy.prepareUpdate(type, old: old, new: new) }
        var warnings: [String] = []
        new = try processSchema(type, new, fieldValidation: fieldValidation, warnings: &warnings)
        if type.storageKey == "apiextensions.k8s.io/customresourcedefinitions", subresource == nil {
            new["status"] = old["status"]
            if ResourceType.fromCRD(new) == nil {
                throw APIError.invalid(
                    type, name, [.init(reason: "FieldValueRequired", message: "Required value", field: "spec")])
            }
        }
        if new.jsonEquals(old) { return WriteResult(object: old, warnings: warnings) }
        if type.tracksGeneration, !Self.specPart(new).jsonEquals(Self.specPart(old)) {
            let generation = old[path: ["metadata", "generation"]]?.intValue ?? 0
            new.set(path: ["metadata", "generation"], to: .int(generation + 1))
        }
        if oldMetadata["deletionTimestamp"] != nil, Self.finalizers(of: new).isEmpty {
            let removed = remove(type, new)
            return WriteResult(object: removed, warnings: warnings, deleted: true)
        }
        let stored = store(type, new, eventType: "MODIFIED", old: old)
        return WriteResult(object: stored, warnings: warnings)
    }

    /// POST pods/<name>/binding: assigns a node to an unscheduled pod, like the scheduler does.
    mutating func bind(pod name: String, namespace: String?, binding: JSONValue) throws -> WriteResult {
        let type = types["/pods"]!
        guard let pod = object(type, namespace: namespace, name: name) else { throw APIError.notFound(type, name) }
        guard let node = binding[path: ["target", "name"]]?.stringValue, !node.isEmpty else {
            throw APIError.invalid(
                type, name, [.init(reason: "FieldValueRequired", message: "Required value", field: "target.name")])
        }
        if let current = pod[path: ["spec", "nodeName"]]?.stringValue, !current.isEmpty {
            throw APIError.conflict(type, name, "pod \(name) is already assigned to node \"\(current)\"")
        }
        if pod[path: ["metadata", "deletionTimestamp"]] != nil {
            throw APIError.conflict(type, name, "pod \(name) is being deleted, cannot be assigned to a host")
        }
        var bound = pod
        bound.set(path: ["spec", "nodeName"], to: .string(node))
        store(type, bound, eventType: "MODIFIED", old: pod)
        return WriteResult(object: [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "code": 201,
        ])
    }
}
