import C8SKube

/// The status the simulated kubelet reports for one Pod, rendered as the real kubelet writes it. Pure value type.
struct PodStatusModel: Sendable, Hashable {
    struct Condition: Sendable, Hashable {
        var type: String
        var status: String
        var reason: String?
        var message: String?
        var lastTransitionTime: KubeTime
    }

    enum State: Sendable, Hashable {
        case waiting(reason: String, message: String?)
        case running(startedAt: KubeTime)
        case terminated(exitCode: Int32, reason: String, message: String?, startedAt: KubeTime?, finishedAt: KubeTime)

        var isTerminated: Bool {
            if case .terminated = self { return true }
            return false
        }
    }

    struct ContainerStatus: Sendable, Hashable {
        var name: String
        var image: String
        var state: State
        var containerID: String?
        var ready = false
        var started = false
    }

    var phase = "Pending"
    var reason: String?
    var message: String?
    var hostIP: String
    var podIP: String
    var startTime: KubeTime
    var conditions: [Condition] = []
    var initContainers: [ContainerStatus] = []
    var containers: [ContainerStatus] = []

    /// Sets a condition, keeping its transition time when its status did not change.
    mutating func setCondition(_ type: String, _ status: Bool, reason: String? = nil, message: String? = nil) {
        let value = status ? "True" : "False"
        let now = KubeTime.now()
        if let index = conditions.firstIndex(where: { $0.type == type }) {
            let time = conditions[index].status == value ? conditions[index].lastTransitionTime : now
            conditions[index] = Condition(
                type: type, status: value, reason: reason, message: message, lastTransitionTime: time)
        } else {
            conditions.append(
                Condition(type: type, status: value, reason: reason, message: message, lastTransitionTime: now))
        }
    }

    /// Updates one container's status (init containers with `isInit`).
    mutating func update(_ name: String, isInit: Bool, _ change: (inout ContainerStatus) -> Void) {
        if isInit {
            if let index = initContainers.firstIndex(where: { $0.name == name }) { change(&initContainers[index]) }
        } else {
            if let index = containers.firstIndex(where: { $0.name == name }) { change(&containers[index]) }
        }
    }

    /// The `status` object.
    var json: JSONValue {
        var status: [String: JSONValue] = [
            "phase": .string(phase),
            "hostIP": .string(hostIP),
            "hostIPs": [["ip": .string(hostIP)]],
            "podIP": .string(podIP),
            "podIPs": [["ip": .string(podIP)]],
            "startTime": .string(startTime.description),
            "qosClass": "BestEffort",
            "conditions": .array(conditions.map(Self.json)),
            "containerStatuses": .array(containers.map(Self.json)),
        ]
        if !initContainers.isEmpty { status["initContainerStatuses"] = .array(initContainers.map(Self.json)) }
        status["reason"] = reason.map { JSONValue.string($0) } ?? JSONValue.null
        status["message"] = message.map { JSONValue.string($0) } ?? JSONValue.null
        return .object(status)
    }

    private static func json(_ condition: Condition) -> JSONValue {
        var json: [String: JSONValue] = [
            "type": .string(condition.type), "status": .string(condition.status),
            "lastProbeTime": .null, "lastTransitionTime": .string(condition.lastTransitionTime.description),
        ]
        if let reason = condition.reason { json["reason"] = .string(reason) }
        if let message = condition.message { json["message"] = .string(message) }
        return .object(json)
    }

    private static func json(_ status: ContainerStatus) -> JSONValue {
        var state: [String: JSONValue] = [:]
        switch status.state {
        case .waiting(let reason, let message):
            var waiting: [String: JSONValue] = ["reason": .string(reason)]
            if let message { waiting["message"] = .string(message) }
            state["waiting"] = .object(waiting)
        case .running(let startedAt):
            state["running"] = ["startedAt": .string(startedAt.description)]
        case .terminated(let exitCode, let reason, let message, let startedAt, let finishedAt):
            var terminated: [String: JSONValue] = [
                "exitCode": .int(Int64(exitCode)), "reason": .string(reason),
                "finishedAt": .string(finishedAt.description),
            ]
            if let startedAt { terminated["startedAt"] = .string(startedAt.description) }
            if let message { terminated["message"] = .string(message) }
            if let id = status.containerID { terminated["containerID"] = .string(id) }
            state["terminated"] = .object(terminated)
        }
        var json: [String: JSONValue] = [
            "name": .string(status.name), "image": .string(status.image), "imageID": "",
            "ready": .bool(status.ready), "started": .bool(status.started), "restartCount": 0,
            "state": .object(state), "lastState": [:],
        ]
        if let id = status.containerID { json["containerID"] = .string(id) }
        return .object(json)
    }
}
