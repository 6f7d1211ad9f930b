import C8SKube

/// A failed API request, rendered as the real API server's `Status` object.
public struct APIError: Error, Sendable, CustomStringConvertible {
    /// One field-level cause of an Invalid error.
    public struct Cause: Sendable {
        /// `FieldValueInvalid`, `FieldValueRequired`, `FieldValueNotSupported`, `FieldValueForbidden`, ...
        public var reason: String
        /// The message without the field prefix.
        public var message: String
        /// The field path (`spec.steps[0].name`).
        public var field: String
    }

    /// HTTP status code.
    public var code: Int
    /// Machine-readable reason (`NotFound`, `Conflict`, `Invalid`, ...).
    public var reason: String
    /// Human-readable message.
    public var message: String
    /// Name in `details`.
    public var name: String?
    /// Group in `details`.
    public var group: String?
    /// Kind in `details` (the real server puts the plural resource here for most errors).
    public var kind: String?
    /// Field causes.
    public var causes: [Cause] = []
    /// Warnings sent with the error (`Warning` headers), as admission webhooks give them.
    public var warnings: [String] = []

    public var description: String { "\(code) \(reason): \(message)" }

    /// The `Status` object.
    public var status: JSONValue {
        var body: JSONValue = [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
            "message": .string(message), "reason": .string(reason), "code": .int(Int64(code)),
        ]
        var details: [String: JSONValue] = [:]
        if let name { details["name"] = .string(name) }
        if let group { details["group"] = .string(group) }
        if let kind { details["kind"] = .string(kind) }
        if !causes.isEmpty {
            details["causes"] = .array(
                causes.map {
                    ["reason": .string($0.reason), "message": .string($0.message), "field": .string($0.field)]
                }
            )
        }
        if !details.isEmpty { body["details"] = .object(details) }
        return body
    }

    static func notFound(_ type: ResourceType, _ name: String) -> APIError {
        APIError(
            code: 404, reason: "NotFound", message: "\(type.qualifiedResource) \"\(name)\" not found", name: name,
            group: type.group, kind: type.plural)
    }

    static func alreadyExists(_ type: ResourceType, _ name: String) -> APIError {
        APIError(
            code: 409, reason: "AlreadyExists", message: "\(type.qualifiedResource) \"\(name)\" already exists",
            name: name, group: type.group, kind: type.plural)
    }

    static func conflict(_ type: ResourceType, _ name: String, _ detail: String) -> APIError {
        APIError(
            code: 409, reason: "Conflict",
            message: "Operation cannot be fulfilled on \(type.qualifiedResource) \"\(name)\": \(detail)", name: name,
            group: type.group, kind: type.plural)
    }

    static func staleResourceVersion(_ type: ResourceType, _ name: String) -> APIError {
        conflict(
            type, name,
            "the object has been modified; please apply your changes to the latest version and try again")
    }

    static func invalid(_ type: ResourceType, _ name: String, _ causes: [Cause]) -> APIError {
        let rendered = causes.map { "\($0.field): \($0.message)" }
        let list = rendered.count == 1 ? rendered[0] : "[" + rendered.joined(separator: ", ") + "]"
        return APIError(
            code: 422, reason: "Invalid", message: "\(type.qualifiedKind) \"\(name)\" is invalid: \(list)",
            name: name, group: type.group, kind: type.kind, causes: causes)
    }

    static func badRequest(_ message: String) -> APIError {
        APIError(code: 400, reason: "BadRequest", message: message)
    }

    static func forbidden(_ type: ResourceType, _ name: String, _ detail: String) -> APIError {
        APIError(
            code: 403, reason: "Forbidden", message: "\(type.qualifiedResource) \"\(name)\" is forbidden: \(detail)",
            name: name, group: type.group, kind: type.plural)
    }

    static func gone(_ message: String) -> APIError {
        APIError(code: 410, reason: "Expired", message: message)
    }

    static func methodNotAllowed(_ message: String) -> APIError {
        APIError(code: 405, reason: "MethodNotAllowed", message: message)
    }

    static func unsupportedMediaType(_ contentType: String) -> APIError {
        APIError(
            code: 415, reason: "UnsupportedMediaType",
            message: "the body of the request was in an unknown format - accepted media types include: "
                + "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, "
                + "application/strategic-merge-patch+json (got \(contentType))")
    }

    static func pathNotFound(_ path: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource (\(path))")
    }
}
