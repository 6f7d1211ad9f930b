import C8SKube
import Foundation

/// Renders objects as a `meta.k8s.io/v1` Table (what `kubectl get` asks for): NAME, the CRD's
/// additionalPrinterColumns for custom resources, a few status columns for built-ins, AGE. Date cells are rendered
/// server-side as kubectl's human durations ("5s", "3m2s", "4h"), like the real API server's CRD table convertor.
struct TableConverter {
    let type: ResourceType
    var now = Date()

    /// A Table for `objects`; `includeObject` is `None`, `Metadata` (default) or `Object`.
    func table(_ objects: [JSONValue], listMetadata: JSONValue, includeObject: String) -> JSONValue {
        let columns = columnDefinitions()
        let rows: [JSONValue] = objects.map { object in
            var row: [String: JSONValue] = ["cells": .array(cells(object, columns))]
            switch includeObject {
            case "None": break
            case "Object": row["object"] = object
            default:
                row["object"] = [
                    "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                    "metadata": object["metadata"] ?? [:],
                ]
            }
            return .object(row)
        }
        return [
            "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": listMetadata,
            "columnDefinitions": .array(columns.map(\.definition)), "rows": .array(rows),
        ]
    }

    struct Column {
        var name: String
        var type: String
        var format: String = ""
        var priority: Int64 = 0
        var jsonPath: String
        /// Computes the cell instead of evaluating `jsonPath` (built-in columns such as a pod's READY).
        var compute: (@Sendable (JSONValue) -> JSONValue)? = nil
        var definition: JSONValue {
            [
                "name": .string(name), "type": .string(type), "format": .string(format), "description": "",
                "priority": .int(priority),
            ]
        }
    }

    func columnDefinitions() -> [Column] {
        var columns = [Column(name: "Name", type: "string", format: "name", jsonPath: ".metadata.name")]
        if type.isCustom {
            if type.printerColumns.isEmpty {
                columns.append(Column(name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp"))
            }
            for column in type.printerColumns {
                columns.append(
                    Column(
                        name: column["name"]?.stringValue ?? "", type: column["type"]?.stringValue ?? "string",
                        format: column["format"]?.stringValue ?? "", priority: column["priority"]?.intValue ?? 0,
                        jsonPath: column["jsonPath"]?.stringValue ?? ""))
            }
            return columns
        }
        switch type.storageKey {
        case "/pods":
            columns.append(Column(name: "Ready", type: "string", jsonPath: "", compute: Self.podReady))
            columns.append(Column(name: "Status", type: "string", jsonPath: "", compute: Self.podStatus))
            columns.append(Column(name: "Restarts", type: "string", jsonPath: "", compute: Self.podRestarts))
            columns.append(Column(name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp"))
            columns.append(Column(name: "IP", type: "string", priority: 1, jsonPath: ".status.podIP"))
            columns.append(Column(name: "Node", type: "string", priority: 1, jsonPath: ".spec.nodeName"))
            return columns
        case "/namespaces":
            columns.append(Column(name: "Status", type: "string", jsonPath: ".status.phase"))
        case "batch/jobs":
            columns.append(Column(name: "Succeeded", type: "integer", jsonPath: ".status.succeeded"))
            columns.append(Column(name: "Failed", type: "integer", jsonPath: ".status.failed"))
        case "/secrets":
            columns.append(Column(name: "Type", type: "string", jsonPath: ".type"))
        case "coordination.k8s.io/leases":
            columns.append(Column(name: "Holder", type: "string", jsonPath: ".spec.holderIdentity"))
        default:
            break
        }
        columns.append(Column(name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp"))
        return columns
    }

    func cells(_ object: JSONValue, _ columns: [Column]) -> [JSONValue] {
        columns.map { column in
            if let compute = column.compute { return compute(object) }
            guard let value = Self.evaluate(column.jsonPath, in: object), !value.isNull else {
                return column.name == "Name" ? "" : .null
            }
            switch column.type {
            case "date":
                guard let text = value.stringValue, let date = Self.parseTimestamp(text) else { return "<invalid>" }
                return .string(HumanDuration.format(seconds: now.timeIntervalSince(date)))
            case "string":
                if let text = value.stringValue { return .string(text) }
                return .string(value.serialized)
            default:
                return value
            }
        }
    }

    /// Evaluates the simple JSONPath subset printer columns use: `.a.b`, `.a[0].b`, `.a['key']`, `{.a.b}`.
    static func evaluate(_ path: String, in object: JSONValue) -> JSONValue? {
        var text = path.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("{"), text.hasSuffix("}") { text = String(text.dropFirst().dropLast()) }
        var current: JSONValue? = object
        var index = text.startIndex
        while index < text.endIndex, let value = current {
            let character = text[index]
            if character == "." {
                index = text.index(after: index)
                let end = text[index...].firstIndex(where: { $0 == "." || $0 == "[" }) ?? text.endIndex
                let key = String(text[index..<end])
                if !key.isEmpty { current = value[key] }
                index = end
            } else if character == "[" {
                guard let close = text[index...].firstIndex(of: "]") else { return nil }
                let inner = text[text.index(after: index)..<close].trimmingCharacters(
                    in: CharacterSet(charactersIn: "'\""))
                if let position = Int(inner) {
                    let elements = value.arrayValue ?? []
                    let resolved = position < 0 ? elements.count + position : position
                    current = elements.indices.contains(resolved) ? elements[resolved] : nil
                } else if inner == "*" {
                    current = value.arrayValue?.first
                } else {
                    current = value[inner]
                }
                index = text.index(after: close)
            } else {
                return nil
            }
        }
        return current
    }

    static func parseTimestamp(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    static func containerStatuses(_ pod: JSONValue) -> [JSONValue] {
        pod[path: ["status", "containerStatuses"]]?.arrayValue ?? []
    }

    /// `ready/total` containers, as kubectl shows it.
    @Sendable static func podReady(_ pod: JSONValue) -> JSONValue {
        let total = pod[path: ["spec", "containers"]]?.arrayValue?.count ?? 0
        let ready = containerStatuses(pod).filter { $0["ready"]?.boolValue == true }.count
        return .string("\(ready)/\(total)")
    }

    /// Terminating, a waiting/terminated container reason, or the phase.
    @Sendable static func podStatus(_ pod: JSONValue) -> JSONValue {
        if pod[path: ["metadata", "deletionTimestamp"]] != nil { return "Terminating" }
        for status in containerStatuses(pod) {
            if let reason = status[path: ["state", "waiting", "reason"]]?.stringValue { return .string(reason) }
            if let reason = status[path: ["state", "terminated", "reason"]]?.stringValue,
                pod[path: ["status", "phase"]]?.stringValue != "Succeeded"
            {
                return .string(reason)
            }
        }
        return pod[path: ["status", "reason"]] ?? pod[path: ["status", "phase"]] ?? "Unknown"
    }

    @Sendable static func podRestarts(_ pod: JSONValue) -> JSONValue {
        let restarts = containerStatuses(pod).compactMap { $0["restartCount"]?.intValue }.reduce(0, +)
        return .string(String(restarts))
    }
}
