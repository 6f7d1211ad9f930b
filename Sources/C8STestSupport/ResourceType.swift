import C8SKube

/// One served resource (built-in or from a CustomResourceDefinition): names, scope, subresources and, for custom
/// resources, the schema and printer columns.
public struct ResourceType: Sendable {
    /// API group ("" for the core group).
    public var group: String
    /// The served version.
    public var version: String
    /// Plural resource name used in URLs.
    public var plural: String
    /// Singular name.
    public var singular: String
    /// Kind of one object.
    public var kind: String
    /// Whether objects live in a namespace.
    public var namespaced: Bool
    /// Short names for kubectl.
    public var shortNames: [String] = []
    /// Categories for kubectl (`all`, ...).
    public var categories: [String] = []
    /// Whether a `/status` subresource separates status writes from the rest.
    public var hasStatusSubresource: Bool = false
    /// Whether `metadata.generation` is maintained.
    public var tracksGeneration: Bool = true
    /// Field labels accepted in field selectors besides metadata.name and metadata.namespace.
    public var fieldLabels: Set<String> = []
    /// The OpenAPI v3 schema of a custom resource (nil for built-ins: not validated).
    public var schema: JSONValue?
    /// `additionalPrinterColumns` of a custom resource.
    public var printerColumns: [JSONValue] = []
    /// True for resources served from a CustomResourceDefinition.
    public var isCustom: Bool = false
    /// Whether a delete without propagationPolicy orphans dependents (batch/v1 Jobs do, for compatibility).
    public var orphansByDefault: Bool = false

    /// `group/version` or `version` for the core group.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    /// The key objects are stored under.
    var storageKey: String { "\(group)/\(plural)" }
    /// `plural.group` as the real server names a resource in messages (`pods`, `jobs.batch`).
    var qualifiedResource: String { group.isEmpty ? plural : "\(plural).\(group)" }
    /// `Kind.group` as the real server names a kind in validation messages.
    var qualifiedKind: String { group.isEmpty ? kind : "\(kind).\(group)" }

    /// The built-in resources every server starts with.
    static let builtIns: [ResourceType] = [
        ResourceType(
            group: "", version: "v1", plural: "namespaces", singular: "namespace", kind: "Namespace",
            namespaced: false, shortNames: ["ns"], hasStatusSubresource: true, tracksGeneration: false,
            fieldLabels: ["status.phase"]),
        ResourceType(
            group: "", version: "v1", plural: "pods", singular: "pod", kind: "Pod", namespaced: true,
            shortNames: ["po"], categories: ["all"], hasStatusSubresource: true, tracksGeneration: false,
            fieldLabels: [
                "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                "status.phase", "status.podIP", "status.nominatedNodeName",
            ]),
        ResourceType(
            group: "", version: "v1", plural: "secrets", singular: "secret", kind: "Secret", namespaced: true,
            tracksGeneration: false, fieldLabels: ["type"]),
        ResourceType(
            group: "", version: "v1", plural: "configmaps", singular: "configmap", kind: "ConfigMap",
            namespaced: true, shortNames: ["cm"], tracksGeneration: false),
        ResourceType(
            group: "", version: "v1", plural: "events", singular: "event", kind: "Event", namespaced: true,
            shortNames: ["ev"], tracksGeneration: false,
            fieldLabels: [
                "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
                "reason", "reportingComponent", "source", "type",
            ]),
        ResourceType(
            group: "", version: "v1", plural: "services", singular: "service", kind: "Service", namespaced: true,
            shortNames: ["svc"], categories: ["all"], hasStatusSubresource: true, tracksGeneration: false,
            fieldLabels: ["spec.clusterIP", "spec.type"]),
        ResourceType(
            group: "", version: "v1", plural: "serviceaccounts", singular: "serviceaccount",
            kind: "ServiceAccount", namespaced: true, shortNames: ["sa"], tracksGeneration: false),
        ResourceType(
            group: "", version: "v1", plural: "resourcequotas", singular: "resourcequota", kind: "ResourceQuota",
            namespaced: true, shortNames: ["quota"], hasStatusSubresource: true, tracksGeneration: false),
        ResourceType(
            group: "", version: "v1", plural: "nodes", singular: "node", kind: "Node", namespaced: false,
            shortNames: ["no"], hasStatusSubresource: true, tracksGeneration: false,
            fieldLabels: ["spec.unschedulable"]),
        ResourceType(
            group: "batch", version: "v1", plural: "jobs", singular: "job", kind: "Job", namespaced: true,
            categories: ["all"], hasStatusSubresource: true, fieldLabels: ["status.successful"],
            orphansByDefault: true),
        ResourceType(
            group: "coordination.k8s.io", version: "v1", plural: "leases", singular: "lease", kind: "Lease",
            namespaced: true, tracksGeneration: false),
        ResourceType(
            group: "events.k8s.io", version: "v1", plural: "events", singular: "event", kind: "Event",
            namespaced: true, shortNames: ["ev"], tracksGeneration: false),
        ResourceType(
            group: "apps", version: "v1", plural: "deployments", singular: "deployment", kind: "Deployment",
            namespaced: true, shortNames: ["deploy"], categories: ["all"], hasStatusSubresource: true),
        ResourceType(
            group: "apps", version: "v1", plural: "daemonsets", singular: "daemonset", kind: "DaemonSet",
            namespaced: true, shortNames: ["ds"], categories: ["all"], hasStatusSubresource: true),
        ResourceType(
            group: "rbac.authorization.k8s.io", version: "v1", plural: "roles", singular: "role", kind: "Role",
            namespaced: true, tracksGeneration: false),
        ResourceType(
            group: "rbac.authorization.k8s.io", version: "v1", plural: "rolebindings", singular: "rolebinding",
            kind: "RoleBinding", namespaced: true, tracksGeneration: false),
        ResourceType(
            group: "rbac.authorization.k8s.io", version: "v1", plural: "clusterroles", singular: "clusterrole",
            kind: "ClusterRole", namespaced: false, tracksGeneration: false),
        ResourceType(
            group: "rbac.authorization.k8s.io", version: "v1", plural: "clusterrolebindings",
            singular: "clusterrolebinding", kind: "ClusterRoleBinding", namespaced: false, tracksGeneration: false),
        ResourceType(
            group: "admissionregistration.k8s.io", version: "v1", plural: "validatingwebhookconfigurations",
            singular: "validatingwebhookconfiguration", kind: "ValidatingWebhookConfiguration", namespaced: false),
        ResourceType(
            group: "admissionregistration.k8s.io", version: "v1", plural: "mutatingwebhookconfigurations",
            singular: "mutatingwebhookconfiguration", kind: "MutatingWebhookConfiguration", namespaced: false),
        ResourceType(
            group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions",
            singular: "customresourcedefinition", kind: "CustomResourceDefinition", namespaced: false,
            shortNames: ["crd", "crds"], categories: ["api-extensions"], hasStatusSubresource: true),
    ]

    /// The resource a CustomResourceDefinition object describes (its first served version), or nil when the
    /// definition is incomplete.
    static func fromCRD(_ crd: JSONValue) -> ResourceType? {
        guard let spec = crd["spec"], let group = spec["group"]?.stringValue,
            let names = spec["names"], let plural = names["plural"]?.stringValue,
            let kind = names["kind"]?.stringValue
        else { return nil }
        let versions = spec["versions"]?.arrayValue ?? []
        guard
            let served = versions.first(where: { $0["storage"]?.boolValue == true && $0["served"]?.boolValue != false })
                ?? versions.first(where: { $0["served"]?.boolValue != false }),
            let version = served["name"]?.stringValue
        else { return nil }
        var type = ResourceType(
            group: group, version: version, plural: plural,
            singular: names["singular"]?.stringValue ?? kind.lowercased(), kind: kind,
            namespaced: spec["scope"]?.stringValue != "Cluster")
        type.shortNames = names["shortNames"]?.arrayValue?.compactMap(\.stringValue) ?? []
        type.categories = names["categories"]?.arrayValue?.compactMap(\.stringValue) ?? []
        type.hasStatusSubresource = served[path: ["subresources", "status"]] != nil
        type.schema = served[path: ["schema", "openAPIV3Schema"]]
        type.printerColumns = served["additionalPrinterColumns"]?.arrayValue ?? []
        type.fieldLabels = Set(
            (served["selectableFields"]?.arrayValue ?? []).compactMap { $0["jsonPath"]?.stringValue }.map {
                String($0.drop(while: { $0 == "." }))
            })
        type.isCustom = true
        return type
    }
}
