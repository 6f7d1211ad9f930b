import C8SKube

/// Legacy (unaggregated) discovery documents, computed from the served types so a new CRD shows up at once.
extension APIState {
    static let versionInfo: JSONValue = [
        "major": "1", "minor": "32", "gitVersion": "v1.32.0-c8s-sim",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.23.0", "compiler": "gc",
        "platform": "linux/amd64",
    ]

    /// `/api`.
    func coreVersions(serverAddress: String) -> JSONValue {
        [
            "kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]],
        ]
    }

    /// The served (group, version) pairs of named groups.
    func groupVersions() -> [String: String] {
        var result: [String: String] = [:]
        for type in types.values where !type.group.isEmpty { result[type.group] = type.version }
        return result
    }

    static func groupDocument(_ group: String, _ version: String) -> JSONValue {
        let groupVersion: JSONValue = ["groupVersion": .string("\(group)/\(version)"), "version": .string(version)]
        return [
            "kind": "APIGroup", "apiVersion": "v1", "name": .string(group), "versions": [groupVersion],
            "preferredVersion": groupVersion,
        ]
    }

    /// `/apis`.
    func groupList() -> JSONValue {
        let groups = groupVersions().sorted { $0.key < $1.key }.map { group, version -> JSONValue in
            var document = Self.groupDocument(group, version)
            document["kind"] = nil
            document["apiVersion"] = nil
            return document
        }
        return ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups)]
    }

    /// `/api/v1` or `/apis/<group>/<version>`, or nil when nothing is served there.
    func resourceList(group: String, version: String) -> JSONValue? {
        let served = types.values.filter { $0.group == group && $0.version == version }.sorted {
            $0.plural < $1.plural
        }
        guard !served.isEmpty else { return nil }
        var resources: [JSONValue] = []
        for type in served {
            var entry: [String: JSONValue] = [
                "name": .string(type.plural), "singularName": .string(type.singular),
                "namespaced": .bool(type.namespaced), "kind": .string(type.kind),
                "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                "storageVersionHash": "",
            ]
            if !type.shortNames.isEmpty { entry["shortNames"] = .array(type.shortNames.map { .string($0) }) }
            if !type.categories.isEmpty { entry["categories"] = .array(type.categories.map { .string($0) }) }
            resources.append(.object(entry))
            if type.storageKey == "/pods" {
                resources.append([
                    "name": "pods/binding", "singularName": "", "namespaced": true, "kind": "Binding",
                    "verbs": ["create"],
                ])
            }
            if type.hasStatusSubresource {
                resources.append([
                    "name": .string("\(type.plural)/status"), "singularName": "", "namespaced": .bool(type.namespaced),
                    "kind": .string(type.kind), "verbs": ["get", "patch", "update"],
                ])
            }
        }
        let groupVersion = group.isEmpty ? version : "\(group)/\(version)"
        return [
            "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(groupVersion),
            "resources": .array(resources),
        ]
    }
}
