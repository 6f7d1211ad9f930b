/// A kind of Kubernetes object the client can get, list, watch and change: the same verbs serve built-in kinds
/// (Job, Pod, Lease) and custom resources.
///
/// Conforming types model the fields their users need and keep an `unknownFields` property: the client decodes
/// the object it read into it, and encodes the typed fields over it, so fields the model does not know survive
/// an update.
public protocol KubeResource: Codable, Sendable {
    /// `v1` for the core group, else `group/version` (`batch/v1`, `c8s.dev/v1alpha1`).
    static var apiVersion: String { get }
    /// The kind (`Job`).
    static var kind: String { get }
    /// The lower-case plural in URLs (`jobs`).
    static var plural: String { get }
    /// Whether objects live in namespaces.
    static var namespaced: Bool { get }

    var metadata: ObjectMeta { get set }
    /// The object as read from the server; see the protocol's discussion.
    var unknownFields: UnknownFields { get set }
}

extension KubeResource {
    /// The API group (`""` for the core group).
    public static var group: String {
        guard let slash = apiVersion.firstIndex(of: "/") else { return "" }
        return String(apiVersion[..<slash])
    }

    /// The version within the group.
    public static var version: String {
        guard let slash = apiVersion.firstIndex(of: "/") else { return apiVersion }
        return String(apiVersion[apiVersion.index(after: slash)...])
    }

    /// The URL path of the group version: `/api/v1` or `/apis/batch/v1`.
    public static var groupVersionPath: String {
        group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
    }

    /// `namespace/name` (or `name` for cluster-scoped objects): the key of caches and work queues.
    public var key: ObjectKey { ObjectKey(namespace: metadata.namespace, name: metadata.name ?? "") }
}

/// The identity of an object within its kind.
public struct ObjectKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var namespace: String?
    public var name: String

    public init(namespace: String?, name: String) {
        self.namespace = namespace.flatMap { $0.isEmpty ? nil : $0 }
        self.name = name
    }

    public var description: String { namespace.map { "\($0)/\(name)" } ?? name }

    public static func < (lhs: ObjectKey, rhs: ObjectKey) -> Bool { lhs.description < rhs.description }
}
