import AsyncHTTPClient
import C8SKube
import Foundation
import NIOCore

/// core/v1 Node, as far as the simulator writes it.
struct NodeObject: KubeResource {
    static let apiVersion = "v1"
    static let kind = "Node"
    static let plural = "nodes"
    static let namespaced = false

    var metadata: ObjectMeta
    var unknownFields = UnknownFields()
}

extension ClusterSimulator {
    /// The node's address (`status.hostIP` of its Pods).
    func hostIP(of node: String) -> String {
        let index = configuration.nodes.firstIndex { $0.name == node } ?? 0
        return "10.0.0.\(index + 10)"
    }

    /// Creates a Ready `Node` per simulated node (an existing one is kept).
    func registerNodes() async throws {
        for node in configuration.nodes {
            do {
                _ = try await client.create(
                    NodeObject(metadata: ObjectMeta(name: node.name, labels: node.effectiveLabels)))
            } catch let error as KubeError where error.isAlreadyExists {
            }
            let now = KubeTime.now().description
            let capacity: JSONValue = [
                "cpu": .string(node.cpu), "memory": .string(node.memory), "pods": "110",
            ]
            let status: JSONValue = [
                "capacity": capacity, "allocatable": capacity,
                "addresses": [
                    ["type": "InternalIP", "address": .string(hostIP(of: node.name))],
                    ["type": "Hostname", "address": .string(node.name)],
                ],
                "conditions": [
                    [
                        "type": "Ready", "status": "True", "reason": "KubeletReady",
                        "message": "kubelet is posting ready status", "lastHeartbeatTime": .string(now),
                        "lastTransitionTime": .string(now),
                    ]
                ],
                "nodeInfo": ["kubeletVersion": "v1.31.0-c8s-sim", "containerRuntimeVersion": "c8s-sim://1.0"],
            ]
            _ = try await client.patch(
                NodeObject.self, name: node.name, .merge(["status": status]), subresource: "status")
        }
    }

    /// `POST pods/<name>/binding`, as the scheduler binds a Pod. True when bound, false when it was bound already
    /// or is gone.
    func bind(namespace: String, pod: String, node: String) async throws -> Bool {
        let body: JSONValue = [
            "apiVersion": "v1", "kind": "Binding", "metadata": ["name": .string(pod), "namespace": .string(namespace)],
            "target": ["apiVersion": "v1", "kind": "Node", "name": .string(node)],
        ]
        var request = HTTPClientRequest(
            url: "\(apiServer.absoluteString)/api/v1/namespaces/\(namespace)/pods/\(pod)/binding")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try KubeCodec.encode(body)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        switch response.status.code {
        case 200..<300: return true
        case 404, 409: return false
        default:
            throw ClusterSimulatorError.io(
                "binding \(namespace)/\(pod) to \(node) failed: HTTP \(response.status.code) "
                    + String(buffer: bytes), errno: 0)
        }
    }
}
