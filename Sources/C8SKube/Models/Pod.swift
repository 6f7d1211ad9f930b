/// core/v1 Pod.
public struct Pod: KubeResource, Hashable {
    public static let apiVersion = "v1"
    public static let kind = "Pod"
    public static let plural = "pods"
    public static let namespaced = true

    public var metadata: ObjectMeta
    public var spec: PodSpec?
    public var status: PodStatus?
    public var unknownFields = UnknownFields()

    public init(metadata: ObjectMeta, spec: PodSpec? = nil, status: PodStatus? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}

/// core/v1 PodTemplateSpec.
public struct PodTemplateSpec: Codable, Sendable, Hashable {
    public var metadata: ObjectMeta?
    public var spec: PodSpec?

    public init(metadata: ObjectMeta? = nil, spec: PodSpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}

/// core/v1 PodSpec: the fields c8s sets; volumes, affinity and the like are kept as JSON.
public struct PodSpec: Codable, Sendable, Hashable {
    public var containers: [Container]
    public var initContainers: [Container]?
    /// `Always`, `OnFailure` or `Never`.
    public var restartPolicy: String?
    public var nodeName: String?
    public var nodeSelector: [String: String]?
    public var serviceAccountName: String?
    public var priorityClassName: String?
    public var activeDeadlineSeconds: Int64?
    public var terminationGracePeriodSeconds: Int64?
    public var volumes: [JSONValue]?
    public var tolerations: [JSONValue]?
    public var affinity: JSONValue?
    public var securityContext: JSONValue?
    public var imagePullSecrets: [JSONValue]?

    public init(containers: [Container], restartPolicy: String? = nil) {
        self.containers = containers
        self.restartPolicy = restartPolicy
    }
}

/// core/v1 Container.
public struct Container: Codable, Sendable, Hashable {
    public var name: String
    public var image: String?
    public var command: [String]?
    public var args: [String]?
    public var workingDir: String?
    public var env: [EnvVar]?
    public var resources: ContainerResources?
    public var volumeMounts: [JSONValue]?
    public var imagePullPolicy: String?
    public var securityContext: JSONValue?

    public init(
        name: String, image: String? = nil, command: [String]? = nil, args: [String]? = nil,
        env: [EnvVar]? = nil, resources: ContainerResources? = nil
    ) {
        self.name = name
        self.image = image
        self.command = command
        self.args = args
        self.env = env
        self.resources = resources
    }
}

/// core/v1 EnvVar.
public struct EnvVar: Codable, Sendable, Hashable {
    public var name: String
    public var value: String?
    /// `{secretKeyRef: {name, key}}`, `{fieldRef: {fieldPath}}`, ….
    public var valueFrom: JSONValue?

    public init(name: String, value: String? = nil, valueFrom: JSONValue? = nil) {
        self.name = name
        self.value = value
        self.valueFrom = valueFrom
    }

    /// A variable read from a Secret's key.
    public static func secret(_ name: String, secretName: String, key: String) -> EnvVar {
        EnvVar(name: name, valueFrom: ["secretKeyRef": ["name": .string(secretName), "key": .string(key)]])
    }
}

/// core/v1 ResourceRequirements: quantities as the API writes them (`500m`, `1Gi`).
public struct ContainerResources: Codable, Sendable, Hashable {
    public var requests: [String: String]?
    public var limits: [String: String]?

    public init(requests: [String: String]? = nil, limits: [String: String]? = nil) {
        self.requests = requests
        self.limits = limits
    }
}

/// core/v1 PodStatus.
public struct PodStatus: Codable, Sendable, Hashable {
    /// `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`.
    public var phase: String?
    public var reason: String?
    public var message: String?
    public var podIP: String?
    public var hostIP: String?
    public var startTime: KubeTime?
    public var conditions: [PodCondition]?
    public var containerStatuses: [ContainerStatus]?
    public var initContainerStatuses: [ContainerStatus]?

    public init(phase: String? = nil) { self.phase = phase }
}

/// core/v1 PodCondition.
public struct PodCondition: Codable, Sendable, Hashable {
    public var type: String
    public var status: String
    public var reason: String?
    public var message: String?
    public var lastTransitionTime: KubeTime?
}

/// core/v1 ContainerStatus.
public struct ContainerStatus: Codable, Sendable, Hashable {
    public var name: String
    public var ready: Bool?
    public var restartCount: Int?
    public var image: String?
    public var containerID: String?
    public var state: ContainerState?
    public var lastState: ContainerState?

    public init(name: String, state: ContainerState? = nil) {
        self.name = name
        self.state = state
    }
}

/// core/v1 ContainerState: exactly one member is set.
public struct ContainerState: Codable, Sendable, Hashable {
    public struct Waiting: Codable, Sendable, Hashable {
        public var reason: String?
        public var message: String?
    }

    public struct Running: Codable, Sendable, Hashable {
        public var startedAt: KubeTime?
    }

    public struct Terminated: Codable, Sendable, Hashable {
        public var exitCode: Int32
        public var signal: Int32?
        public var reason: String?
        public var message: String?
        public var startedAt: KubeTime?
        public var finishedAt: KubeTime?
        public var containerID: String?

        public init(exitCode: Int32, reason: String? = nil, startedAt: KubeTime? = nil, finishedAt: KubeTime? = nil) {
            self.exitCode = exitCode
            self.reason = reason
            self.startedAt = startedAt
            self.finishedAt = finishedAt
        }
    }

    public var waiting: Waiting?
    public var running: Running?
    public var terminated: Terminated?

    public init(waiting: Waiting? = nil, running: Running? = nil, terminated: Terminated? = nil) {
        self.waiting = waiting
        self.running = running
        self.terminated = terminated
    }
}
