import C8SKube
import Foundation

/// How unknown fields in a request body are treated (`fieldValidation` query parameter).
enum FieldValidation: String, Sendable {
    case strict = "Strict"
    case warn = "Warn"
    case ignore = "Ignore"
}

/// The outcome of a write: the object as stored (or as it was when deleted) and warnings for the client.
struct WriteResult: Sendable {
    var object: JSONValue
    var warnings: [String] = []
    /// For deletes: whether the object is gone (false while finalizers hold it).
    var deleted = false
}

extension APIState {
    static func timestamp(_ date: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static let dns1123Subdomain = try! NSRegularExpression(
        pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
    static let dns1123Label = try! NSRegularExpression(pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")

    static func matches(_ regex: NSRegularExpression, _ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    static func finalizers(of object: JSONValue) -> [String] {
        object[path: ["metadata", "finalizers"]]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    static func uid(of object: JSONValue) -> String { object[path: ["metadata", "uid"]]?.stringValue ?? "" }
    static func name(of object: JSONValue) -> String { object[path: ["metadata", "name"]]?.stringValue ?? "" }
    static func namespace(of object: JSONValue) -> String? {
        object[path: ["metadata", "namespace"]]?.stringValue
    }

    /// The part of an object that drives `metadata.generation`: everything except metadata and status.
    static func specPart(_ object: JSONValue) -> JSONValue {
        var members = object.objectValue ?? [:]
        for key in ["metadata", "status", "apiVersion", "kind"] { members.removeValue(forKey: key) }
        return .object(members)
    }

    // MARK: Create

    mutating func create(
        type: ResourceType, namespace: String?, body: JSONValue, fieldValidation: FieldValidation
    ) throws -> WriteResult {
        guard case .object = body else { throw APIError.badRequest("the request body must be a JSON object") }
        var object = body
        try checkTypeMeta(type, object)
        object["apiVersion"] = .string(type.apiVersion)
        object["kind"] = .string(type.kind)
        var metadata = object["metadata"]?.objectValue ?? [:]
        var name = metadata["name"]?.stringValue ?? ""
        if name.isEmpty, let prefix = metadata["generateName"]?.stringValue, !prefix.isEmpty {
            let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
            name = prefix + String((0..<5).map { _ in alphabet.randomElement()! })
        }
        if name.isEmpty {
            throw APIError.invalid(
                type, "",
                [
                    .init(
                        reason: "FieldValueRequired", message: "Required value: name or generateName is required",
                        field: "metadata.name")
                ])
        }
        metadata["name"] = .string(name)
        if type.namespaced {
            let requested = namespace ?? "default"
            if let given = metadata["namespace"]?.stringValue, !given.isEmpty, given != requested {
                throw APIError.badRequest(
                    "the namespace of the provided object does not match the namespace sent on the request")
            }
            metadata["namespace"] = .string(requested)
            let namespaces = types["/namespaces"]!
            guard let owningNamespace = self.object(namespaces, namespace: nil, name: requested) else {
                throw APIError.notFound(namespaces, requested)
            }
            if owningNamespace[path: ["metadata", "deletionTimestamp"]] != nil {
                throw APIError.forbidden(
                    type, name,
                    "unable to create new content in namespace \(requested) because it is being terminated")
            }
        } else {
            metadata.removeValue(forKey: "namespace")
        }
        try validateName(type, name)
        if self.object(type, namespace: namespace, name: name) != nil {
            throw APIError.alreadyExists(type, name)
        }
        metadata["uid"] = .string(UUID().uuidString.lowercased())
        metadata["creationTimestamp"] = .string(Self.timestamp())
        for key in ["resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink", "managedFields"] {
            metadata.removeValue(forKey: key)
        }
        if type.tracksGeneration { metadata["generation"] = 1 } else { metadata.removeValue(forKey: "generation") }
        object["metadata"] = .object(metadata)
        if type.hasStatusSubresource { object["status"] = initialStatus(type, object) }
        if object["status"]?.isNull == true { object["status"] = nil }
        let metadataCauses = MetadataValidator.validate(object)
        if !metadataCauses.isEmpty { throw APIError.invalid(type, name, metadataCauses) }
        object = try BuiltInStrategy.prepareCreate(type, object)
        var warnings: [String] = []
        object = try processSchema(type, object, fieldValidation: fieldValidation, warnings: &warnings)
        if type.storageKey == "apiextensions.k8s.io/customresourcedefinitions" {
            object = try admitCRD(object)
        }
        if type.plural == "namespaces", type.group.isEmpty {
            object.set(path: ["spec", "finalizers"], to: ["kubernetes"])
        }
        let stored = store(type, object, eventType: "ADDED", old: nil)
        return WriteResult(object: stored, warnings: warnings)
    }

    private func checkTypeMeta(_ type: ResourceType, _ object: JSONValue) throws {
        if let apiVersion = object["apiVersion"]?.stringValue, !apiVersion.isEmpty, apiVersion != type.apiVersion {
            throw APIError.badRequest(
                "the API version in the data (\(apiVersion)) does not match the expected API version "
                    + "(\(type.apiVersion))")
        }
        if let kind = object["kind"]?.stringValue, !kind.isEmpty, kind != type.kind {
            throw APIError.badRequest("the kind in the data (\(kind)) does not match the expected kind (\(type.kind))")
        }
    }

    private func validateName(_ type: ResourceType, _ name: String) throws {
        let label = type.plural == "namespaces" && type.group.isEmpty
        let regex = label ? Self.dns1123Label : Self.dns1123Subdomain
        if !Self.matches(regex, name) || name.count > (label ? 63 : 253) {
            let message =
                label
                ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
                    + "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
                    + "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
                : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                    + "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                    + "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
            throw APIError.invalid(
                type, name,
                [
                    .init(
                        reason: "FieldValueInvalid", message: "Invalid value: \"\(name)\": \(message)",
                        field: "metadata.name")
                ])
        }
    }

    private func initialStatus(_ type: ResourceType, _ object: JSONValue) -> JSONValue? {
        switch type.storageKey {
        case "/namespaces": return ["phase": "Active"]
        case "/pods": return ["phase": "Pending"]
        case "/nodes", "/services", "/resourcequotas": return object["status"] ?? [:]
        case "batch/jobs": return [:]
        default: return nil
        }
    }

    /// Drops unknown fields (ObjectMeta fields for every kind, top-level fields of built-ins, anything outside a
    /// custom resource's schema) with a warning, or refuses them under `fieldValidation=Strict`; then defaults and
    /// validates a custom resource against its schema.
    func processSchema(
        _ type: ResourceType, _ object: JSONValue, fieldValidation: FieldValidation, warnings: inout [String]
    ) throws -> JSONValue {
        var object = object
        var unknown = MetadataValidator.pruneUnknownFields(&object, type: type)
        var causes: [APIError.Cause] = []
        if type.isCustom, let schema = type.schema {
            let result = SchemaValidator(schema: schema).process(object)
            object = result.object
            unknown += result.unknownFields
            causes = result.causes
        }
        if !unknown.isEmpty {
            switch fieldValidation {
            case .strict:
                let list = unknown.map { "unknown field \"\($0)\"" }.joined(separator: ", ")
                throw APIError.badRequest(
                    "\(type.kind) in version \"\(type.version)\" cannot be handled as a \(type.kind): "
                        + "strict decoding error: \(list)")
            case .warn:
                warnings += unknown.map { "unknown field \"\($0)\"" }
            case .ignore:
                break
            }
        }
        if !causes.isEmpty { throw APIError.invalid(type, Self.name(of: object), causes) }
        return object
    }

    /// Checks a CustomResourceDefinition and fills in its status (names accepted, Established).
    private func admitCRD(_ crd: JSONValue) throws -> JSONValue {
        let crdType = types["apiextensions.k8s.io/customresourcedefinitions"]!
        let name = Self.name(of: crd)
        guard let resource = ResourceType.fromCRD(crd) else {
            throw APIError.invalid(
                crdType, name,
                [
                    .init(
                        reason: "FieldValueRequired",
                        message:
                            "Required value: spec.group, spec.names.plural, spec.names.kind and one served version "
                            + "are required", field: "spec")
                ])
        }
        if name != "\(resource.plural).\(resource.group)" {
            throw APIError.invalid(
                crdType, name,
                [
                    .init(
                        reason: "FieldValueInvalid",
                        message: "Invalid value: \"\(name)\": must be spec.names.plural+\".\"+spec.group",
                        field: "metadata.name")
                ])
        }
        if let schema = resource.schema, schema["type"]?.stringValue != "object" {
            throw APIError.invalid(
                crdType, name,
                [
                    .init(
                        reason: "FieldValueRequired", message: "Required value: must be object at the root",
                        field: "spec.versions[0].schema.openAPIV3Schema.type")
                ])
        }
        for (index, version) in (crd[path: ["spec", "versions"]]?.arrayValue ?? []).enumerated() {
            guard let schema = version[path: ["schema", "openAPIV3Schema"]] else { continue }
            let causes = StructuralSchemaCheck.check(
                schema, path: "spec.versions[\(index)].schema.openAPIV3Schema", isRoot: true)
            if !causes.isEmpty { throw APIError.invalid(crdType, name, causes) }
        }
        var object = crd
        let now = Self.timestamp()
        object["status"] = [
            "acceptedNames": crd[path: ["spec", "names"]] ?? [:],
            "storedVersions": [.string(resource.version)],
            "conditions": [
                [
                    "type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
                    "message": "no conflicts found", "lastTransitionTime": .string(now),
                ],
                [
                    "type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                    "message": "the initial names have been accepted", "lastTransitionTime": .string(now),
                ],
            ],
        ]
        return object
    }

    /// Assigns the next resourceVersion, stores the object, records the event and keeps CRD registrations in
    /// step with their definitions.
    @discardableResult
    mutating func store(_ type: ResourceType, _ object: JSONValue, eventType: String, old: JSONValue?) -> JSONValue {
        var object = object
        let rv = nextResourceVersion()
        object.set(path: ["metadata", "resourceVersion"], to: .string(String(rv)))
        let namespace = type.namespaced ? Self.namespace(of: object) : nil
        objects[type.storageKey, default: [:]][Self.key(namespace: namespace, name: Self.name(of: object))] = object
        emit(
            StoredEvent(
                type: eventType, storageKey: type.storageKey, namespace: namespace ?? "", object: object,
                oldObject: old, resourceVersion: rv))
        if type.storageKey == "apiextensions.k8s.io/customresourcedefinitions",
            let resource = ResourceType.fromCRD(object)
        {
            types[resource.storageKey] = resource
        }
        return object
    }
}
