/// metav1.ObjectMeta: the fields c8s reads and writes; others are kept through `unknownFields` of the object.
public struct ObjectMeta: Codable, Sendable, Hashable {
    public var name: String?
    public var generateName: String?
    public var namespace: String?
    public var uid: String?
    public var resourceVersion: String?
    public var generation: Int64?
    public var creationTimestamp: KubeTime?
    public var deletionTimestamp: KubeTime?
    public var deletionGracePeriodSeconds: Int64?
    public var labels: [String: String]?
    public var annotations: [String: String]?
    public var ownerReferences: [OwnerReference]?
    public var finalizers: [String]?

    public init(
        name: String? = nil, generateName: String? = nil, namespace: String? = nil,
        labels: [String: String]? = nil, annotations: [String: String]? = nil,
        ownerReferences: [OwnerReference]? = nil, finalizers: [String]? = nil
    ) {
        self.name = name
        self.generateName = generateName
        self.namespace = namespace
        self.labels = labels
        self.annotations = annotations
        self.ownerReferences = ownerReferences
        self.finalizers = finalizers
    }
}

/// metav1.OwnerReference.
public struct OwnerReference: Codable, Sendable, Hashable {
    public var apiVersion: String
    public var kind: String
    public var name: String
    public var uid: String
    public var controller: Bool?
    public var blockOwnerDeletion: Bool?

    public init(
        apiVersion: String, kind: String, name: String, uid: String, controller: Bool? = nil,
        blockOwnerDeletion: Bool? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.uid = uid
        self.controller = controller
        self.blockOwnerDeletion = blockOwnerDeletion
    }

    /// A controller reference to `owner` (which must have been read from the server: it needs a uid).
    public init<R: KubeResource>(controller owner: R, blockOwnerDeletion: Bool = true) {
        self.init(
            apiVersion: R.apiVersion, kind: R.kind, name: owner.metadata.name ?? "", uid: owner.metadata.uid ?? "",
            controller: true, blockOwnerDeletion: blockOwnerDeletion)
    }
}

/// metav1.ListMeta.
public struct ListMeta: Codable, Sendable, Hashable {
    public var resourceVersion: String?
    /// The token for the next page, when the list was cut at `limit`.
    public var `continue`: String?
    public var remainingItemCount: Int64?

    public init(resourceVersion: String? = nil, continue: String? = nil) {
        self.resourceVersion = resourceVersion
        self.continue = `continue`
    }
}

/// metav1.Condition: the standard condition of custom resources' status.
public struct Condition: Codable, Sendable, Hashable {
    public var type: String
    /// `True`, `False` or `Unknown`.
    public var status: String
    public var observedGeneration: Int64?
    public var lastTransitionTime: KubeTime?
    public var reason: String?
    public var message: String?

    public init(
        type: String, status: String, observedGeneration: Int64? = nil, lastTransitionTime: KubeTime? = nil,
        reason: String? = nil, message: String? = nil
    ) {
        self.type = type
        self.status = status
        self.observedGeneration = observedGeneration
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }
}

extension Array where Element == Condition {
    /// The condition of a type, if present.
    public subscript(type type: String) -> Condition? {
        first { $0.type == type }
    }

    /// Sets a condition, keeping its `lastTransitionTime` when its status did not change (like apimachinery's
    /// `meta.SetStatusCondition`).
    public mutating func set(_ condition: Condition, now: KubeTime = .now()) {
        var condition = condition
        if let index = firstIndex(where: { $0.type == condition.type }) {
            if self[index].status == condition.status {
                condition.lastTransitionTime = self[index].lastTransitionTime ?? now
            } else if condition.lastTransitionTime == nil {
                condition.lastTransitionTime = now
            }
            self[index] = condition
        } else {
            if condition.lastTransitionTime == nil { condition.lastTransitionTime = now }
            append(condition)
        }
    }
}
