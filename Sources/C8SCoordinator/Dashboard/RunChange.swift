import C8SAPI
import C8SKube

/// One change of a PipelineRun as the run-change streams send it (`event: <type>`, `data: <json>`).
public struct RunChange: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
    }
    public var kind: Kind
    public var namespace: String
    public var name: String
    public var phase: String?
    public var resourceVersion: String?
    /// The matrix parent, for a matrix child.
    public var parent: String?

    init(_ kind: Kind, _ run: PipelineRun) {
        self.kind = kind
        namespace = run.metadata.namespace ?? ""
        name = run.metadata.name ?? ""
        phase = run.status?.phase?.rawValue
        resourceVersion = run.metadata.resourceVersion
        parent = run.metadata.labels?[C8SLabels.matrixParent]
    }

    /// The JSON of the `data:` line.
    var json: C8SKube.JSONValue {
        var object: [String: C8SKube.JSONValue] = [
            "type": .string(kind.rawValue), "namespace": .string(namespace), "name": .string(name),
        ]
        if let phase { object["phase"] = .string(phase) }
        if let resourceVersion { object["resourceVersion"] = .string(resourceVersion) }
        if let parent { object["parent"] = .string(parent) }
        return .object(object)
    }
}
