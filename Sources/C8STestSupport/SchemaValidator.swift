import C8SKube
import Foundation

/// Structural-schema processing of a custom resource, in the real API server's order: prune unknown fields, apply
/// defaults, validate. Pure: returns the processed object, the pruned field paths and the validation causes.
struct SchemaValidator {
    /// The outcome of processing one object.
    struct Result {
        var object: JSONValue
        var unknownFields: [String] = []
        var causes: [APIError.Cause] = []
    }

    let schema: JSONValue

    /// Prunes, defaults and validates `object` (apiVersion, kind and metadata are left to the caller).
    func process(_ object: JSONValue) -> Result {
        var result = Result(object: object)
        guard case .object(var members) = object else {
            result.causes.append(.init(reason: "FieldValueTypeInvalid", message: "must be an object", field: "<root>"))
            return result
        }
        let properties = schema["properties"]?.objectValue ?? [:]
        let preserve = schema["x-kubernetes-preserve-unknown-fields"]?.boolValue == true
        for (key, value) in members where !["apiVersion", "kind", "metadata"].contains(key) {
            if let propertySchema = properties[key] {
                members[key] = walk(value, propertySchema, path: key, result: &result)
            } else if !preserve {
                members.removeValue(forKey: key)
                result.unknownFields.append(key)
            }
        }
        applyDefaults(to: &members, properties: properties, path: "", result: &result)
        for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
            result.causes.append(.init(reason: "FieldValueRequired", message: "Required value", field: name))
        }
        result.object = .object(members)
        return result
    }

    private func applyDefaults(
        to members: inout [String: JSONValue], properties: [String: JSONValue], path: String, result: inout Result
    ) {
        for (key, propertySchema) in properties where members[key] == nil {
            guard let defaultValue = propertySchema["default"] else { continue }
            let childPath = path.isEmpty ? key : "\(path).\(key)"
            members[key] = walk(defaultValue, propertySchema, path: childPath, result: &result)
        }
    }

    private func walk(_ value: JSONValue, _ schema: JSONValue, path: String, result: inout Result) -> JSONValue {
        if value.isNull {
            if schema["nullable"]?.boolValue == true { return value }
        }
        if !checkType(value, schema, path: path, result: &result) { return value }
        var value = value
        switch value {
        case .object(var members):
            let properties = schema["properties"]?.objectValue
            let additional = schema["additionalProperties"]
            let preserve = schema["x-kubernetes-preserve-unknown-fields"]?.boolValue == true
            for (key, child) in members {
                let childPath = "\(path).\(key)"
                if let propertySchema = properties?[key] {
                    members[key] = walk(child, propertySchema, path: childPath, result: &result)
                } else if let additional, additional.objectValue != nil {
                    members[key] = walk(child, additional, path: childPath, result: &result)
                } else if preserve || additional?.boolValue == true
                    || (properties == nil && additional == nil
                        && schema["type"] == nil)
                {
                    continue
                } else {
                    members.removeValue(forKey: key)
                    result.unknownFields.append(childPath)
                }
            }
            if let properties {
                applyDefaults(to: &members, properties: properties, path: path, result: &result)
            }
            for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
                result.causes.append(
                    .init(reason: "FieldValueRequired", message: "Required value", field: "\(path).\(name)"))
            }
            if let minimum = schema["minProperties"]?.intValue, members.count < minimum {
                invalid(value, "\(path) in body should have at least \(minimum) properties", path, &result)
            }
            if let maximum = schema["maxProperties"]?.intValue, members.count > maximum {
                invalid(value, "\(path) in body should have at most \(maximum) properties", path, &result)
            }
            value = .object(members)
        case .array(var elements):
            if let itemSchema = schema["items"] {
                for index in elements.indices {
                    elements[index] = walk(elements[index], itemSchema, path: "\(path)[\(index)]", result: &result)
                }
            }
            if let minimum = schema["minItems"]?.intValue, elements.count < minimum {
                invalid(
                    .int(Int64(elements.count)), "\(path) in body should have at least \(minimum) items", path,
                    &result)
            }
            if let maximum = schema["maxItems"]?.intValue, elements.count > maximum {
                result.causes.append(
                    .init(
                        reason: "FieldValueTooMany",
                        message: "Too many: \(elements.count): must have at most \(maximum) items", field: path))
            }
            if schema["x-kubernetes-list-type"]?.stringValue == "set" || schema["uniqueItems"]?.boolValue == true {
                for (index, element) in elements.enumerated()
                where elements[..<index].contains(where: { $0.jsonEquals(element) }) {
                    result.causes.append(
                        .init(
                            reason: "FieldValueDuplicate",
                            message: "Duplicate value: \(Self.render(element))", field: "\(path)[\(index)]"))
                }
            }
            if schema["x-kubernetes-list-type"]?.stringValue == "map" {
                let keys = schema["x-kubernetes-list-map-keys"]?.arrayValue?.compactMap(\.stringValue) ?? []
                var seen: [JSONValue] = []
                for (index, element) in elements.enumerated() {
                    let key = JSONValue.object(
                        Dictionary(uniqueKeysWithValues: keys.map { ($0, element[$0] ?? .null) }))
                    if seen.contains(where: { $0.jsonEquals(key) }) {
                        result.causes.append(
                            .init(
                                reason: "FieldValueDuplicate", message: "Duplicate value: \(key.serialized)",
                                field: "\(path)[\(index)]"))
                    }
                    seen.append(key)
                }
            }
            value = .array(elements)
        case .string(let text):
            if let pattern = schema["pattern"]?.stringValue,
                let regex = try? NSRegularExpression(pattern: pattern),
                regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil
            {
                invalid(value, "\(path) in body should match '\(pattern)'", path, &result)
            }
            if let minimum = schema["minLength"]?.intValue, text.count < minimum {
                invalid(value, "\(path) in body should be at least \(minimum) chars long", path, &result)
            }
            if let maximum = schema["maxLength"]?.intValue, text.count > maximum {
                result.causes.append(
                    .init(
                        reason: "FieldValueTooLong", message: "Too long: may not be longer than \(maximum)",
                        field: path))
            }
        case .int, .double:
            let number = value.doubleValue ?? 0
            if let minimum = schema["minimum"]?.doubleValue {
                let exclusive = schema["exclusiveMinimum"]?.boolValue == true
                if exclusive ? number <= minimum : number < minimum {
                    let word = exclusive ? "greater than" : "greater than or equal to"
                    invalid(
                        value, "\(path) in body should be \(word) \(Self.render(schema["minimum"]!))", path,
                        &result)
                }
            }
            if let maximum = schema["maximum"]?.doubleValue {
                let exclusive = schema["exclusiveMaximum"]?.boolValue == true
                if exclusive ? number >= maximum : number > maximum {
                    let word = exclusive ? "less than" : "less than or equal to"
                    invalid(
                        value, "\(path) in body should be \(word) \(Self.render(schema["maximum"]!))", path,
                        &result)
                }
            }
        default:
            break
        }
        if let allowed = schema["enum"]?.arrayValue, !allowed.contains(where: { $0.jsonEquals(value) }) {
            let list = allowed.map(Self.render).joined(separator: ", ")
            result.causes.append(
                .init(
                    reason: "FieldValueNotSupported",
                    message: "Unsupported value: \(Self.render(value)): supported values: \(list)", field: path))
        }
        return value
    }

    /// Checks the declared `type`; records a cause and returns false when it does not match.
    private func checkType(_ value: JSONValue, _ schema: JSONValue, path: String, result: inout Result) -> Bool {
        if schema["x-kubernetes-int-or-string"]?.boolValue == true {
            switch value {
            case .int, .string: return true
            case .double(let number) where number.rounded() == number: return true
            default:
                invalid(
                    .string(value.typeName),
                    "\(path) in body must be of type integer,string: "
                        + Self.render(.string(value.typeName)), path, &result)
                return false
            }
        }
        guard let type = schema["type"]?.stringValue else { return true }
        let matches: Bool
        switch type {
        case "object": matches = value.objectValue != nil
        case "array": matches = value.arrayValue != nil
        case "string": matches = value.stringValue != nil
        case "boolean": matches = value.boolValue != nil
        case "integer":
            // An integral double counts only while it is exactly representable (below 9e15).
            if case .double(let number) = value {
                matches = number.rounded() == number && abs(number) < 9e15
            } else {
                matches = value.intValue != nil
            }
        case "number": matches = value.doubleValue != nil
        default: matches = true
        }
        if !matches {
            let actual = value.typeName
            result.causes.append(
                .init(
                    reason: "FieldValueTypeInvalid",
                    message: "Invalid value: \"\(actual)\": \(path) in body must be of type \(type): \"\(actual)\"",
                    field: path))
        }
        return matches
    }

    private func invalid(_ value: JSONValue, _ detail: String, _ path: String, _ result: inout Result) {
        result.causes.append(
            .init(reason: "FieldValueInvalid", message: "Invalid value: \(Self.render(value)): \(detail)", field: path))
    }

    /// Renders a value the way Go's validation messages quote it.
    static func render(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return JSONValue.string(text).serialized
        default: return value.serialized
        }
    }
}
