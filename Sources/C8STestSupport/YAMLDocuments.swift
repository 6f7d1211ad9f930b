import C8SKube
import CYAML

/// A YAML document that could not be read.
public struct YAMLLoadError: Error, CustomStringConvertible {
    /// What is wrong, with line and column.
    public let description: String
}

/// Reads YAML (one or more `---`-separated documents) into `JSONValue`s with libyaml, resolving plain scalars the
/// way the Kubernetes YAML decoder does (YAML 1.1-ish core schema: null, booleans, integers, floats, strings).
/// Used for server-side apply bodies and for loading CRD manifests from disk. Aliases are refused.
public enum YAMLDocuments {
    /// Every non-empty document in `text`.
    public static func load(_ text: String) throws -> [JSONValue] {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw YAMLLoadError(description: "cannot initialize libyaml")
        }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var reader = EventReader(parser: &parser)
            return try reader.documents()
        }
    }

    private struct EventReader {
        var parser: UnsafeMutablePointer<yaml_parser_t>

        init(parser: UnsafeMutablePointer<yaml_parser_t>) {
            self.parser = parser
        }

        mutating func next() throws -> yaml_event_t {
            var event = yaml_event_t()
            guard yaml_parser_parse(parser, &event) == 1 else {
                let problem = parser.pointee.problem.map { String(cString: $0) } ?? "syntax error"
                let mark = parser.pointee.problem_mark
                throw YAMLLoadError(description: "YAML line \(mark.line + 1) column \(mark.column + 1): \(problem)")
            }
            return event
        }

        mutating func documents() throws -> [JSONValue] {
            var result: [JSONValue] = []
            while true {
                var event = try next()
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return result
                case YAML_DOCUMENT_START_EVENT:
                    var first = try next()
                    if first.type == YAML_DOCUMENT_END_EVENT {
                        yaml_event_delete(&first)
                        continue
                    }
                    let value = try node(startingWith: &first)
                    var end = try next()
                    yaml_event_delete(&end)
                    if !value.isNull { result.append(value) }
                default:
                    continue
                }
            }
        }

        mutating func node(startingWith event: inout yaml_event_t) throws -> JSONValue {
            defer { yaml_event_delete(&event) }
            let mark = event.start_mark
            switch event.type {
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let text = String(
                    decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                let tag = scalar.tag.map { String(cString: $0) }
                if scalar.style != YAML_PLAIN_SCALAR_STYLE || tag == "tag:yaml.org,2002:str" || tag == "!" {
                    return .string(text)
                }
                return Self.resolvePlain(text)
            case YAML_SEQUENCE_START_EVENT:
                var elements: [JSONValue] = []
                while true {
                    var child = try next()
                    if child.type == YAML_SEQUENCE_END_EVENT {
                        yaml_event_delete(&child)
                        return .array(elements)
                    }
                    elements.append(try node(startingWith: &child))
                }
            case YAML_MAPPING_START_EVENT:
                var members: [String: JSONValue] = [:]
                while true {
                    var keyEvent = try next()
                    if keyEvent.type == YAML_MAPPING_END_EVENT {
                        yaml_event_delete(&keyEvent)
                        return .object(members)
                    }
                    let keyMark = keyEvent.start_mark
                    let key = try node(startingWith: &keyEvent)
                    let keyText: String
                    switch key {
                    case .string(let text): keyText = text
                    case .int(let number): keyText = String(number)
                    case .bool(let flag): keyText = flag ? "true" : "false"
                    case .null: keyText = "null"
                    default:
                        throw YAMLLoadError(
                            description: "YAML line \(keyMark.line + 1) column \(keyMark.column + 1): "
                                + "mapping keys must be scalars")
                    }
                    if members[keyText] != nil {
                        throw YAMLLoadError(
                            description: "YAML line \(keyMark.line + 1) column \(keyMark.column + 1): "
                                + "duplicate key \"\(keyText)\"")
                    }
                    var valueEvent = try next()
                    members[keyText] = try node(startingWith: &valueEvent)
                }
            case YAML_ALIAS_EVENT:
                throw YAMLLoadError(
                    description: "YAML line \(mark.line + 1) column \(mark.column + 1): aliases are not supported")
            default:
                throw YAMLLoadError(
                    description: "YAML line \(mark.line + 1) column \(mark.column + 1): unexpected event")
            }
        }

        static func resolvePlain(_ text: String) -> JSONValue {
            switch text {
            case "", "~", "null", "Null", "NULL": return .null
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            default: break
            }
            if let number = Int64(text) { return .int(number) }
            if text.hasPrefix("0x"), let number = Int64(text.dropFirst(2), radix: 16) { return .int(number) }
            if text.hasPrefix("0o"), let number = Int64(text.dropFirst(2), radix: 8) { return .int(number) }
            let floatish = text.allSatisfy { "0123456789.eE+-".contains($0) } && text.contains(where: \.isNumber)
            if floatish, let number = Double(text) { return .double(number) }
            switch text {
            case ".inf", ".Inf", "+.inf": return .double(.infinity)
            case "-.inf", "-.Inf": return .double(-.infinity)
            case ".nan", ".NaN": return .double(.nan)
            default: return .string(text)
            }
        }
    }
}
