import C8SKube

/// The structural-schema rules the real API server enforces on a CRD's openAPIV3Schema (the ones a hand-written
/// schema most often breaks): every node below the root declares a `type` unless it is int-or-string or preserves
/// unknown fields, `properties` and `additionalProperties` are mutually exclusive, and list-map keys are required
/// or defaulted. Pure.
enum StructuralSchemaCheck {
    static func check(_ schema: JSONValue, path: String, isRoot: Bool = false) -> [APIError.Cause] {
        var causes: [APIError.Cause] = []
        let intOrString = schema["x-kubernetes-int-or-string"]?.boolValue == true
        let preserve = schema["x-kubernetes-preserve-unknown-fields"]?.boolValue == true
        if schema["type"] == nil, !intOrString, !preserve, !isRoot {
            causes.append(
                .init(
                    reason: "FieldValueRequired", message: "Required value: must not be empty for specified fields",
                    field: "\(path).type"))
        }
        let properties = schema["properties"]?.objectValue
        if properties != nil, let additional = schema["additionalProperties"], additional.boolValue != false {
            causes.append(
                .init(
                    reason: "FieldValueForbidden",
                    message: "Forbidden: additionalProperties and properties are mutual exclusive",
                    field: "\(path).additionalProperties"))
        }
        for key in (properties ?? [:]).keys.sorted() {
            causes += check(properties![key]!, path: "\(path).properties[\(key)]")
        }
        if let additional = schema["additionalProperties"], additional.objectValue != nil {
            causes += check(additional, path: "\(path).additionalProperties")
        }
        if let items = schema["items"] {
            causes += check(items, path: "\(path).items")
            if schema["x-kubernetes-list-type"]?.stringValue == "map" {
                let required = Set(items["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
                for key in schema["x-kubernetes-list-map-keys"]?.arrayValue?.compactMap(\.stringValue) ?? []
                where !required.contains(key) && items[path: ["properties", key, "default"]] == nil {
                    causes.append(
                        .init(
                            reason: "FieldValueRequired",
                            message: "Required value: this property is in x-kubernetes-list-map-keys, so it must "
                                + "have a default or be a required property",
                            field: "\(path).items.properties[\(key)]"))
                }
            }
        }
        return causes
    }
}
