import C8SKube
import Foundation

/// The per-kind defaulting and validation the real API server applies to the built-in kinds c8s writes (Pods, Jobs,
/// Secrets), so code that forgets a required field or mutates an immutable one fails here as it would on a cluster.
/// Pure functions over `JSONValue`.
enum BuiltInStrategy {
    /// Defaults and validates a new object of a built-in kind.
    static func prepareCreate(_ type: ResourceType, _ object: JSONValue) throws -> JSONValue {
        var object = object
        let name = APIState.name(of: object)
        switch type.storageKey {
        case "/pods":
            if var spec = object["spec"] {
                defaultPodSpec(&spec)
                object["spec"] = spec
            }
            try check(type, name, validatePodSpec(object["spec"], path: "spec", inJob: false))
        case "batch/jobs":
            let uid = object[path: ["metadata", "uid"]] ?? ""
            var spec = object["spec"] ?? [:]
            for (key, value) in [
                ("completions", 1), ("parallelism", 1), ("backoffLimit", 6), ("suspend", false),
                ("completionMode", "NonIndexed"), ("manualSelector", nil),
                ("podReplacementPolicy", "TerminatingOrFailed"),
            ] as [(String, JSONValue?)] where spec[key] == nil {
                if let value { spec[key] = value }
            }
            let controllerLabels: [String: JSONValue] = [
                "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": .string(name),
                "controller-uid": uid, "job-name": .string(name),
            ]
            if spec["selector"] == nil {
                spec["selector"] = ["matchLabels": ["batch.kubernetes.io/controller-uid": uid]]
            }
            var template = spec["template"] ?? [:]
            var labels = template[path: ["metadata", "labels"]]?.objectValue ?? [:]
            for (key, value) in controllerLabels where labels[key] == nil { labels[key] = value }
            template.set(path: ["metadata", "labels"], to: .object(labels))
            if var podSpec = template["spec"] {
                defaultPodSpec(&podSpec)
                template["spec"] = podSpec
            }
            spec["template"] = template
            object["spec"] = spec
            var causes = validatePodSpec(template["spec"], path: "spec.template.spec", inJob: true)
            let restart = template[path: ["spec", "restartPolicy"]]?.stringValue
            if restart != "Never", restart != "OnFailure" {
                causes.append(
                    .init(
                        reason: "FieldValueNotSupported",
                        message: "Unsupported value: \"\(restart ?? "")\": supported values: \"OnFailure\", \"Never\"",
                        field: "spec.template.spec.restartPolicy"))
            }
            try check(type, name, causes)
        case "/secrets":
            object = try normalizeSecret(object)
        default:
            break
        }
        return object
    }

    /// Validates an update of a built-in kind (immutable fields) and normalizes it.
    static func prepareUpdate(_ type: ResourceType, old: JSONValue, new: JSONValue) throws -> JSONValue {
        var new = new
        let name = APIState.name(of: old)
        switch type.storageKey {
        case "/pods":
            if !mutablePodSpec(new["spec"]).jsonEquals(mutablePodSpec(old["spec"])) {
                try check(
                    type, name,
                    [
                        .init(
                            reason: "FieldValueForbidden",
                            message:
                                "Forbidden: pod updates may not change fields other than `spec.containers[*].image`, "
                                + "`spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` "
                                + "(only additions to existing tolerations), `spec.terminationGracePeriodSeconds`",
                            field: "spec")
                    ])
            }
        case "batch/jobs":
            for field in ["template", "selector", "completionMode"] {
                let before = old[path: ["spec", field]] ?? .null
                let after = new[path: ["spec", field]] ?? .null
                if !before.jsonEquals(after) {
                    try check(
                        type, name,
                        [
                            .init(
                                reason: "FieldValueInvalid",
                                message: "Invalid value: \(SchemaValidator.render(after)): field is immutable",
                                field: "spec.\(field)")
                        ])
                }
            }
        case "/secrets":
            new = try normalizeSecret(new)
        default:
            break
        }
        return new
    }

    private static func check(_ type: ResourceType, _ name: String, _ causes: [APIError.Cause]) throws {
        if !causes.isEmpty { throw APIError.invalid(type, name, causes) }
    }

    static func defaultPodSpec(_ spec: inout JSONValue) {
        for (key, value) in [
            ("restartPolicy", "Always"), ("dnsPolicy", "ClusterFirst"), ("schedulerName", "default-scheduler"),
            ("terminationGracePeriodSeconds", 30), ("securityContext", [:]), ("serviceAccountName", "default"),
        ] as [(String, JSONValue)] where spec[key] == nil {
            spec[key] = value
        }
        for list in ["containers", "initContainers"] {
            guard var containers = spec[list]?.arrayValue else { continue }
            for index in containers.indices {
                var container = containers[index]
                let image = container["image"]?.stringValue ?? ""
                let latest = !image.contains(":") || image.hasSuffix(":latest")
                if container["imagePullPolicy"] == nil {
                    container["imagePullPolicy"] = latest ? "Always" : "IfNotPresent"
                }
                if container["terminationMessagePath"] == nil {
                    container["terminationMessagePath"] = "/dev/termination-log"
                }
                if container["terminationMessagePolicy"] == nil { container["terminationMessagePolicy"] = "File" }
                if container["resources"] == nil { container["resources"] = [:] }
                containers[index] = container
            }
            spec[list] = .array(containers)
        }
    }

    static func validatePodSpec(_ spec: JSONValue?, path: String, inJob: Bool) -> [APIError.Cause] {
        guard let spec, spec.objectValue != nil else {
            return [.init(reason: "FieldValueRequired", message: "Required value", field: path)]
        }
        var causes: [APIError.Cause] = []
        let containers = spec["containers"]?.arrayValue ?? []
        if containers.isEmpty {
            causes.append(.init(reason: "FieldValueRequired", message: "Required value", field: "\(path).containers"))
        }
        var names: Set<String> = []
        for list in ["initContainers", "containers"] {
            for (index, container) in (spec[list]?.arrayValue ?? []).enumerated() {
                let field = "\(path).\(list)[\(index)]"
                let name = container["name"]?.stringValue ?? ""
                if name.isEmpty {
                    causes.append(
                        .init(reason: "FieldValueRequired", message: "Required value", field: "\(field).name"))
                } else if !APIState.matches(APIState.dns1123Label, name) {
                    causes.append(
                        .init(
                            reason: "FieldValueInvalid",
                            message: "Invalid value: \"\(name)\": a lowercase RFC 1123 label must consist of lower "
                                + "case alphanumeric characters or '-', and must start and end with an alphanumeric "
                                + "character", field: "\(field).name"))
                } else if !names.insert(name).inserted {
                    causes.append(
                        .init(
                            reason: "FieldValueDuplicate", message: "Duplicate value: \"\(name)\"",
                            field: "\(field).name"))
                }
                if (container["image"]?.stringValue ?? "").isEmpty {
                    causes.append(
                        .init(reason: "FieldValueRequired", message: "Required value", field: "\(field).image"))
                }
            }
        }
        return causes
    }

    /// The pod spec without the fields an update may change.
    private static func mutablePodSpec(_ spec: JSONValue?) -> JSONValue {
        var spec = spec ?? [:]
        for list in ["containers", "initContainers"] {
            guard var containers = spec[list]?.arrayValue else { continue }
            for index in containers.indices { containers[index]["image"] = nil }
            spec[list] = .array(containers)
        }
        for key in ["activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds"] { spec[key] = nil }
        return spec
    }

    /// `stringData` merged into `data` (base64), `type` defaulted, `data` checked to be base64.
    private static func normalizeSecret(_ secret: JSONValue) throws -> JSONValue {
        var secret = secret
        var data = secret["data"]?.objectValue ?? [:]
        for (key, value) in data {
            guard let text = value.stringValue, Data(base64Encoded: text) != nil else {
                throw APIError.badRequest(
                    "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data in data.\(key)")
            }
        }
        for (key, value) in secret["stringData"]?.objectValue ?? [:] {
            data[key] = .string(Data((value.stringValue ?? "").utf8).base64EncodedString())
        }
        secret["stringData"] = nil
        if !data.isEmpty { secret["data"] = .object(data) }
        if secret["type"] == nil { secret["type"] = "Opaque" }
        return secret
    }
}
