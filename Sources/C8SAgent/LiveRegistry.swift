import C8SLogs
import Synchronization

/// The containers this agent follows, for the live endpoint: `namespace/pod/container` → its live source.
public final class LiveRegistry: Sendable {
    /// A followed container.
    public struct Key: Sendable, Hashable, CustomStringConvertible {
        public var namespace: String
        public var pod: String
        public var container: String
        public var description: String { "\(namespace)/\(pod)/\(container)" }
    }

    private struct State {
        var sources: [Key: any LiveLogSource] = [:]
        /// `namespace/pod` of the Pods followed, with their containers (started or not).
        var pods: [String: Set<String>] = [:]
    }

    private let state = Mutex(State())

    init() {}

    func followPod(namespace: String, pod: String, containers: [String]) {
        state.withLock { $0.pods["\(namespace)/\(pod)"] = Set(containers) }
    }

    func register(_ source: any LiveLogSource, namespace: String, pod: String, container: String) {
        state.withLock { $0.sources[Key(namespace: namespace, pod: pod, container: container)] = source }
    }

    func removePod(namespace: String, pod: String) {
        state.withLock { s in
            guard let containers = s.pods.removeValue(forKey: "\(namespace)/\(pod)") else { return }
            for container in containers {
                s.sources.removeValue(forKey: Key(namespace: namespace, pod: pod, container: container))
            }
        }
    }

    /// What the live endpoint serves for a container.
    enum Lookup {
        case source(any LiveLogSource)
        /// The Pod is followed but the container's log has not appeared yet.
        case notStarted
        case unknownContainer
        case unknownPod
    }

    func lookup(namespace: String, pod: String, container: String) -> Lookup {
        state.withLock { s in
            if let source = s.sources[Key(namespace: namespace, pod: pod, container: container)] {
                return .source(source)
            }
            guard let containers = s.pods["\(namespace)/\(pod)"] else { return .unknownPod }
            return containers.contains(container) ? .notStarted : .unknownContainer
        }
    }
}
