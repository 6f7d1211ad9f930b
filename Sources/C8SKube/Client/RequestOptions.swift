import Foundation

/// Query parameters of list and watch requests.
public struct ListOptions: Sendable, Hashable {
    /// `app=web,tier!=db`, `env in (a,b)`, `!label`.
    public var labelSelector: String?
    /// `metadata.name=x`, `status.phase!=Running`.
    public var fieldSelector: String?
    /// The page size; the response's `metadata.continue` fetches the next page.
    public var limit: Int?
    /// The `continue` token of the previous page.
    public var continueToken: String?
    /// For lists: `0` accepts any cached state; for watches: the version to start after.
    public var resourceVersion: String?
    /// For watches: the server ends the stream after this many seconds.
    public var timeoutSeconds: Int?
    /// For watches: ask for BOOKMARK events carrying the latest resourceVersion.
    public var allowWatchBookmarks: Bool

    public init(
        labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil, continueToken: String? = nil,
        resourceVersion: String? = nil, timeoutSeconds: Int? = nil, allowWatchBookmarks: Bool = false
    ) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
        self.resourceVersion = resourceVersion
        self.timeoutSeconds = timeoutSeconds
        self.allowWatchBookmarks = allowWatchBookmarks
    }

    var queryItems: [(String, String)] {
        var items: [(String, String)] = []
        if let labelSelector, !labelSelector.isEmpty { items.append(("labelSelector", labelSelector)) }
        if let fieldSelector, !fieldSelector.isEmpty { items.append(("fieldSelector", fieldSelector)) }
        if let limit { items.append(("limit", String(limit))) }
        if let continueToken, !continueToken.isEmpty { items.append(("continue", continueToken)) }
        if let resourceVersion { items.append(("resourceVersion", resourceVersion)) }
        if let timeoutSeconds { items.append(("timeoutSeconds", String(timeoutSeconds))) }
        if allowWatchBookmarks { items.append(("allowWatchBookmarks", "true")) }
        return items
    }
}

/// How deletion treats an object's dependents.
public enum PropagationPolicy: String, Sendable, Codable {
    /// Delete dependents in the background after the owner is gone.
    case background = "Background"
    /// Keep the owner (with a `foregroundDeletion` finalizer) until its blocking dependents are gone.
    case foreground = "Foreground"
    /// Leave dependents, removing their owner references.
    case orphan = "Orphan"
}

/// The body of a delete request.
public struct DeleteOptions: Sendable, Hashable, Encodable {
    /// Conditions the object must still meet, or the delete fails with Conflict.
    public struct Preconditions: Sendable, Hashable, Codable {
        public var uid: String?
        public var resourceVersion: String?
        public init(uid: String? = nil, resourceVersion: String? = nil) {
            self.uid = uid
            self.resourceVersion = resourceVersion
        }
    }

    public var propagationPolicy: PropagationPolicy?
    public var gracePeriodSeconds: Int?
    public var preconditions: Preconditions?

    public init(
        propagationPolicy: PropagationPolicy? = nil, gracePeriodSeconds: Int? = nil,
        preconditions: Preconditions? = nil
    ) {
        self.propagationPolicy = propagationPolicy
        self.gracePeriodSeconds = gracePeriodSeconds
        self.preconditions = preconditions
    }

    var json: JSONValue {
        var members: [String: JSONValue] = ["apiVersion": "v1", "kind": "DeleteOptions"]
        if let propagationPolicy { members["propagationPolicy"] = .string(propagationPolicy.rawValue) }
        if let gracePeriodSeconds { members["gracePeriodSeconds"] = .int(Int64(gracePeriodSeconds)) }
        if let preconditions {
            var conditions: [String: JSONValue] = [:]
            if let uid = preconditions.uid { conditions["uid"] = .string(uid) }
            if let version = preconditions.resourceVersion { conditions["resourceVersion"] = .string(version) }
            members["preconditions"] = .object(conditions)
        }
        return .object(members)
    }
}

/// A patch and its content type.
public enum Patch: Sendable, Hashable {
    /// RFC 7386 JSON merge patch (`application/merge-patch+json`): objects merge, `null` deletes, arrays replace.
    case merge(JSONValue)
    /// RFC 6902 JSON patch (`application/json-patch+json`).
    case json([JSONPatchOperation])
    /// Server-side apply (`application/apply-patch+yaml`; JSON is YAML): the fields this manager owns.
    case apply(JSONValue)

    var contentType: String {
        switch self {
        case .merge: "application/merge-patch+json"
        case .json: "application/json-patch+json"
        case .apply: "application/apply-patch+yaml"
        }
    }

    var body: JSONValue {
        switch self {
        case .merge(let value), .apply(let value): value
        case .json(let operations): .array(operations.map(\.json))
        }
    }
}

/// One operation of an RFC 6902 JSON patch; paths are JSON pointers (`/metadata/labels/app`).
public struct JSONPatchOperation: Sendable, Hashable {
    public var op: String
    public var path: String
    public var value: JSONValue?
    public var from: String?

    public static func add(_ path: String, _ value: JSONValue) -> Self { Self(op: "add", path: path, value: value) }
    public static func remove(_ path: String) -> Self { Self(op: "remove", path: path) }
    public static func replace(_ path: String, _ value: JSONValue) -> Self {
        Self(op: "replace", path: path, value: value)
    }
    public static func test(_ path: String, _ value: JSONValue) -> Self { Self(op: "test", path: path, value: value) }
    public static func move(from: String, to path: String) -> Self { Self(op: "move", path: path, from: from) }
    public static func copy(from: String, to path: String) -> Self { Self(op: "copy", path: path, from: from) }

    /// Escapes one JSON-pointer token (`~` and `/`), e.g. a label key like `c8s.dev/step`.
    public static func escape(_ token: String) -> String {
        token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    var json: JSONValue {
        var members: [String: JSONValue] = ["op": .string(op), "path": .string(path)]
        if let value { members["value"] = value }
        if let from { members["from"] = .string(from) }
        return .object(members)
    }
}
