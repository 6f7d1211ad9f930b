import CYAML

/// Reads a YAML document into a `JSONValue` with libyaml: enough YAML for kubeconfig files (block and flow
/// collections, quoted and plain scalars, anchors and aliases). JSON is YAML, so JSON documents read too.
package enum YAMLReader {
    /// A YAML syntax error at a position of the input.
    package struct SyntaxError: Error, CustomStringConvertible {
        package var line: Int
        package var column: Int
        package var problem: String
        package var description: String { "line \(line), column \(column): \(problem)" }
    }

    /// The most aliases one document may expand; refuses "billion laughs" documents.
    static let maximumAliases = 1_000
    /// The deepest nesting of collections (the product's YAML and JSON limit): checked before a level is entered,
    /// so no document builds a value too deep to free without overflowing the stack.
    static let maximumDepth = 64

    /// Parses the first document of `text` (an empty input is `null`).
    package static func read(_ text: String) throws -> JSONValue {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw SyntaxError(line: 0, column: 0, problem: "cannot initialize the YAML parser")
        }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buffer throws -> JSONValue in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var builder = Builder()
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
                    throw SyntaxError(
                        line: Int(parser.problem_mark.line) + 1, column: Int(parser.problem_mark.column) + 1,
                        problem: problem)
                }
                defer { yaml_event_delete(&event) }
                let mark = event.start_mark
                do {
                    if try builder.handle(&event) { break }
                } catch let error as BuildError {
                    throw SyntaxError(line: Int(mark.line) + 1, column: Int(mark.column) + 1, problem: error.problem)
                } catch {
                    throw SyntaxError(line: Int(mark.line) + 1, column: Int(mark.column) + 1, problem: "\(error)")
                }
            }
            return builder.result ?? .null
        }
    }

    private struct BuildError: Error { var problem: String }

    private enum Frame {
        case sequence([JSONValue], anchor: String?)
        case mapping([String: JSONValue], pendingKey: String?, anchor: String?)
    }

    private struct Builder {
        func checkDepth() throws {
            guard stack.count >= YAMLReader.maximumDepth else { return }
            throw BuildError(
                problem: "collections are nested more than \(YAMLReader.maximumDepth) levels deep; the limit is "
                    + "\(YAMLReader.maximumDepth)")
        }

        var stack: [Frame] = []
        var anchors: [String: JSONValue] = [:]
        var result: JSONValue?
        var aliases = 0

        /// Handles one event; true when the first document is complete.
        mutating func handle(_ event: inout yaml_event_t) throws -> Bool {
            switch event.type {
            case YAML_STREAM_END_EVENT, YAML_DOCUMENT_END_EVENT:
                return true
            case YAML_SEQUENCE_START_EVENT:
                try checkDepth()
                stack.append(.sequence([], anchor: string(event.data.sequence_start.anchor)))
            case YAML_MAPPING_START_EVENT:
                try checkDepth()
                stack.append(.mapping([:], pendingKey: nil, anchor: string(event.data.mapping_start.anchor)))
            case YAML_SEQUENCE_END_EVENT:
                guard case .sequence(let items, let anchor) = stack.popLast() else {
                    throw BuildError(problem: "unbalanced sequence")
                }
                try add(.array(items), anchor: anchor)
            case YAML_MAPPING_END_EVENT:
                guard case .mapping(let members, _, let anchor) = stack.popLast() else {
                    throw BuildError(problem: "unbalanced mapping")
                }
                try add(.object(members), anchor: anchor)
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let text = String(
                    decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                let plain = scalar.style == YAML_PLAIN_SCALAR_STYLE && scalar.tag == nil
                try add(plain ? Self.resolve(text) : .string(text), anchor: string(scalar.anchor))
            case YAML_ALIAS_EVENT:
                aliases += 1
                guard aliases <= YAMLReader.maximumAliases else { throw BuildError(problem: "too many aliases") }
                let name = string(event.data.alias.anchor) ?? ""
                guard let value = anchors[name] else { throw BuildError(problem: "unknown alias *\(name)") }
                try add(value, anchor: nil)
            default:
                break
            }
            return false
        }

        private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: $0) }
        }

        private mutating func add(_ value: JSONValue, anchor: String?) throws {
            if let anchor { anchors[anchor] = value }
            guard let top = stack.popLast() else {
                result = value
                return
            }
            switch top {
            case .sequence(var items, let anchor):
                items.append(value)
                stack.append(.sequence(items, anchor: anchor))
            case .mapping(var members, let pendingKey, let anchor):
                if let key = pendingKey {
                    guard members[key] == nil else { throw BuildError(problem: "duplicate key \"\(key)\"") }
                    members[key] = value
                    stack.append(.mapping(members, pendingKey: nil, anchor: anchor))
                } else {
                    let key: String
                    switch value {
                    case .string(let text): key = text
                    case .int(let number): key = String(number)
                    case .bool(let flag): key = String(flag)
                    case .double(let number): key = String(number)
                    case .null: key = ""
                    default: throw BuildError(problem: "a mapping key must be a scalar")
                    }
                    stack.append(.mapping(members, pendingKey: key, anchor: anchor))
                }
            }
        }

        /// YAML 1.2 core schema resolution of a plain scalar.
        static func resolve(_ text: String) -> JSONValue {
            switch text {
            case "", "~", "null", "Null", "NULL": return .null
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            default: break
            }
            if let number = Int64(text) { return .int(number) }
            if text.hasPrefix("0x"), let number = Int64(text.dropFirst(2), radix: 16) { return .int(number) }
            if text.hasPrefix("0o"), let number = Int64(text.dropFirst(2), radix: 8) { return .int(number) }
            let first = text.first!
            if first.isNumber || first == "-" || first == "+" || first == ".", let number = Double(text),
                !text.lowercased().contains("n")
            {
                return .double(number)
            }
            switch text {
            case ".inf", ".Inf", ".INF", "+.inf": return .double(.infinity)
            case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
            case ".nan", ".NaN", ".NAN": return .double(.nan)
            default: return .string(text)
            }
        }
    }
}
