import C8SKube
import Foundation

/// ObjectMeta validation the real API server applies to every kind: label keys and values, annotation keys and
/// total size, owner references. Pure; returns causes shaped like the real server's.
enum MetadataValidator {
    static let labelValue = try! NSRegularExpression(pattern: "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
    static let qualifiedName = try! NSRegularExpression(pattern: "^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")

    static func matches(_ regex: NSRegularExpression, _ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    static func validate(_ object: JSONValue) -> [APIError.Cause] {
        var causes: [APIError.Cause] = []
        let metadata = object["metadata"] ?? [:]
        for (key, value) in metadata["labels"]?.objectValue ?? [:] {
            causes += validateKey(key, field: "metadata.labels")
            guard let text = value.stringValue else {
                causes.append(invalid(value.serialized, "label values must be strings", "metadata.labels"))
                continue
            }
            if text.count > 63 {
                causes.append(invalid(text, "must be no more than 63 characters", "metadata.labels"))
            } else if !matches(labelValue, text) {
                causes.append(
                    invalid(
                        text,
                        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
                            + "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
                            + "'my_value',  or '12345', regex used for validation is "
                            + "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')", "metadata.labels"))
            }
        }
        var annotationBytes = 0
        for (key, value) in metadata["annotations"]?.objectValue ?? [:] {
            causes += validateKey(key.lowercased(), field: "metadata.annotations")
            annotationBytes += key.utf8.count + (value.stringValue?.utf8.count ?? 0)
        }
        if annotationBytes > 256 * 1024 {
            causes.append(
                .init(
                    reason: "FieldValueTooLong", message: "Too long: must have at most 262144 bytes",
                    field: "metadata.annotations"))
        }
        for (index, reference) in (metadata["ownerReferences"]?.arrayValue ?? []).enumerated() {
            for field in ["apiVersion", "kind", "name", "uid"] where (reference[field]?.stringValue ?? "").isEmpty {
                causes.append(
                    invalid(
                        "", "\(field) must not be empty",
                        "metadata.ownerReferences[\(index)].\(field)"))
            }
        }
        return causes
    }

    private static func validateKey(_ key: String, field: String) -> [APIError.Cause] {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let name = parts.last ?? ""
        var problems: [String] = []
        if parts.count > 2 {
            problems.append(
                "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
                    + "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
                    + "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain "
                    + "prefix and '/' (e.g. 'example.com/MyName')")
        } else {
            if parts.count == 2 {
                let prefix = parts[0]
                if prefix.isEmpty || prefix.count > 253 || !APIState.matches(APIState.dns1123Subdomain, prefix) {
                    problems.append(
                        "prefix part a lowercase RFC 1123 subdomain must consist of lower case "
                            + "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
                            + "character"
                    )
                }
            }
            if name.isEmpty {
                problems.append("name part must be non-empty")
            } else if name.count > 63 {
                problems.append("name part must be no more than 63 characters")
            } else if !matches(qualifiedName, name) {
                problems.append(
                    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
                        + "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
                        + "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
            }
        }
        return problems.map { invalid(key, $0, field) }
    }

    private static func invalid(_ value: String, _ detail: String, _ field: String) -> APIError.Cause {
        .init(
            reason: "FieldValueInvalid", message: "Invalid value: \(JSONValue.string(value).serialized): \(detail)",
            field: field)
    }

    static let objectMetaFields: Set<String> = [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers",
        "managedFields",
    ]

    /// Top-level fields of the built-in kinds (besides apiVersion, kind, metadata).
    static let builtInFields: [String: Set<String>] = [
        "/configmaps": ["data", "binaryData", "immutable"],
        "/secrets": ["data", "stringData", "type", "immutable"],
        "/serviceaccounts": ["secrets", "imagePullSecrets", "automountServiceAccountToken"],
        "/events": [
            "involvedObject", "reason", "message", "source", "firstTimestamp", "lastTimestamp", "count", "type",
            "eventTime", "series", "action", "related", "reportingComponent", "reportingInstance",
        ],
        "events.k8s.io/events": [
            "eventTime", "series", "reportingController", "reportingInstance", "action", "reason", "regarding",
            "related", "note", "type", "deprecatedSource", "deprecatedFirstTimestamp", "deprecatedLastTimestamp",
            "deprecatedCount",
        ],
        "rbac.authorization.k8s.io/roles": ["rules"],
        "rbac.authorization.k8s.io/clusterroles": ["rules", "aggregationRule"],
        "rbac.authorization.k8s.io/rolebindings": ["subjects", "roleRef"],
        "rbac.authorization.k8s.io/clusterrolebindings": ["subjects", "roleRef"],
        "admissionregistration.k8s.io/validatingwebhookconfigurations": ["webhooks"],
        "admissionregistration.k8s.io/mutatingwebhookconfigurations": ["webhooks"],
    ]

    /// Removes unknown ObjectMeta fields and, for built-ins, unknown top-level fields; returns their paths.
    static func pruneUnknownFields(_ object: inout JSONValue, type: ResourceType) -> [String] {
        var unknown: [String] = []
        if var metadata = object["metadata"]?.objectValue {
            for key in metadata.keys.sorted() where !objectMetaFields.contains(key) {
                metadata.removeValue(forKey: key)
                unknown.append("metadata.\(key)")
            }
            object["metadata"] = .object(metadata)
        }
        guard !type.isCustom, var members = object.objectValue else { return unknown }
        let allowed = builtInFields[type.storageKey] ?? ["spec", "status"]
        for key in members.keys.sorted()
        where !allowed.contains(key) && !["apiVersion", "kind", "metadata"].contains(key) {
            members.removeValue(forKey: key)
            unknown.append(key)
        }
        object = .object(members)
        return unknown
    }
}
