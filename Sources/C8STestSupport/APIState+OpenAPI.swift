import C8SKube

/// The OpenAPI v3 documents kubectl reads before writing: for each group-version, one PATCH/POST/PUT operation per
/// kind declaring the `fieldValidation` query parameter, so kubectl validates on the server (`fieldValidation=Strict`)
/// instead of downloading schemas. Schemas themselves are not published (no `kubectl explain`).
extension APIState {
    /// `/openapi/v3`: the index of group-version documents; the hash changes with every write so clients refetch.
    func openAPIIndex() -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for type in types.values {
            let key = type.group.isEmpty ? "api/\(type.version)" : "apis/\(type.group)/\(type.version)"
            paths[key] = ["serverRelativeURL": .string("/openapi/v3/\(key)?hash=\(resourceVersion)")]
        }
        return ["paths": .object(paths)]
    }

    /// `/openapi/v3/api/v1` or `/openapi/v3/apis/<group>/<version>`, or nil.
    func openAPIDocument(group: String, version: String) -> JSONValue? {
        let served = types.values.filter { $0.group == group && $0.version == version }
        guard !served.isEmpty else { return nil }
        let parameter: JSONValue = [
            "name": "fieldValidation", "in": "query", "schema": ["type": "string", "uniqueItems": true],
            "description": "Strict, Warn or Ignore: how unknown fields are handled",
        ]
        var paths: [String: JSONValue] = [:]
        for type in served {
            let prefix = type.group.isEmpty ? "/api/\(type.version)" : "/apis/\(type.group)/\(type.version)"
            let scope = type.namespaced ? "/namespaces/{namespace}" : ""
            let gvk: JSONValue = [
                "group": .string(type.group), "version": .string(type.version), "kind": .string(type.kind),
            ]
            func operation(_ action: String) -> JSONValue {
                [
                    "x-kubernetes-action": .string(action), "x-kubernetes-group-version-kind": gvk,
                    "parameters": [parameter], "responses": ["200": ["description": "OK"]],
                ]
            }
            paths["\(prefix)\(scope)/\(type.plural)/{name}"] = [
                "patch": operation("patch"), "put": operation("put"),
            ]
            paths["\(prefix)\(scope)/\(type.plural)"] = ["post": operation("post")]
        }
        return [
            "openapi": "3.0.0", "info": ["title": "Kubernetes", "version": "v1.32.0-c8s-sim"],
            "paths": .object(paths), "components": ["schemas": [:]],
        ]
    }
}
