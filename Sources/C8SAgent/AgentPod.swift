import C8SKube

/// A core/v1 Pod as the agent watches it: the spec kept whole as JSON (the agent reads `envFrom`, secret volumes
/// and projected sources, which ``C8SKube/PodSpec`` does not model), the status typed.
struct AgentPod: KubeResource, Hashable {
    static let apiVersion = "v1"
    static let kind = "Pod"
    static let plural = "pods"
    static let namespaced = true

    var metadata: ObjectMeta
    var spec: JSONValue?
    var status: PodStatus?
    var unknownFields = UnknownFields()

    init(metadata: ObjectMeta, spec: JSONValue? = nil, status: PodStatus? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}
