import CYAML

/// Reads one YAML document into ``YAMLNode``s with libyaml's event API, enforcing the parser's limits.
///
/// Refuses documents over ``Limits/maxDocumentBytes``, aliases expanding to more than ``Limits/maxNodes`` nodes
/// in total (the document itself is bounded by its size), collections nested deeper than ``Limits/maxDepth``
/// (checked before the node is built, so no deep tree is ever made or freed recursively), unknown anchors and
/// streams with more than one document. Duplicate keys are reported (all of them) without stopping the read.
struct YAMLReader {
    struct Limits: Sendable {
        var maxDocumentBytes = 1 << 20
        var maxNodes = 100_000
        var maxDepth = 64
    }

    struct Failure: Error {
        var kind: PipelineError.Kind
        var message: String
        var line: Int?
        var column: Int?
    }

    var limits = Limits()

    /// The document (nil for an empty stream) and the duplicate keys found.
    func read(_ bytes: [UInt8]) throws(Failure) -> (node: YAMLNode?, duplicates: [(line: Int, column: Int, key: String, first: Int)]) {
        guard bytes.count <= limits.maxDocumentBytes else {
            throw Failure(
                kind: .documentTooLarge,
                message: "document is \(bytes.count) bytes; the limit is \(limits.maxDocumentBytes) bytes (1 MiB)"
            )
        }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw Failure(kind: .syntax, message: "cannot initialize the YAML parser (out of memory)")
        }
        defer { yaml_parser_delete(&parser) }
        return try bytes.withUnsafeBufferPointer { (buffer) throws(Failure) in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var builder = Builder(maxNodes: limits.maxNodes, maxDepth: limits.maxDepth)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    throw Self.syntaxFailure(parser)
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { break }
                try builder.handle(event)
            }
            return (builder.document, builder.duplicates)
        }
    }

    private static func syntaxFailure(_ parser: yaml_parser_t) -> Failure {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        var message = problem
        if let context = parser.context {
            message += " " + String(cString: context)
                + " (line \(parser.context_mark.line + 1), column \(parser.context_mark.column + 1))"
        }
        return Failure(
            kind: .syntax,
            message: message,
            line: parser.problem_mark.line + 1,
            column: parser.problem_mark.column + 1
        )
    }

    private struct Frame {
        var isMapping: Bool
        var anchor: String?
        var line: Int
        var column: Int
        var items: [YAMLNode] = []
        var weight = 1
    }

    private struct Builder {
        let maxNodes: Int
        let maxDepth: Int
        var stack: [Frame] = []
        var anchors: [String: YAMLNode] = [:]
        var document: YAMLNode?
        var documents = 0
        var aliasNodes = 0
        var duplicates: [(line: Int, column: Int, key: String, first: Int)] = []

        init(maxNodes: Int, maxDepth: Int) {
            self.maxNodes = maxNodes
            self.maxDepth = maxDepth
        }

        private func checkDepth(line: Int, column: Int) throws(Failure) {
            guard stack.count >= maxDepth else { return }
            throw Failure(
                kind: .limitExceeded,
                message: "collections are nested more than \(maxDepth) levels deep; the limit is \(maxDepth) (maxDepth)",
                line: line,
                column: column
            )
        }

        mutating func handle(_ event: yaml_event_t) throws(Failure) {
            let line = event.start_mark.line + 1
            let column = event.start_mark.column + 1
            switch event.type {
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                if documents > 1 {
                    throw Failure(
                        kind: .syntax,
                        message: "the file holds more than one YAML document; put the pipeline in one",
                        line: line,
                        column: column
                    )
                }
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                let plain = scalar.style == YAML_PLAIN_SCALAR_STYLE && scalar.tag == nil
                let node = YAMLNode(content: .scalar(text, plain: plain), line: line, column: column, weight: 1)
                try add(node, anchor: Self.string(scalar.anchor), isAlias: false)
            case YAML_ALIAS_EVENT:
                let name = Self.string(event.data.alias.anchor) ?? ""
                guard var node = anchors[name] else {
                    throw Failure(kind: .syntax, message: "unknown anchor \"*\(name)\"", line: line, column: column)
                }
                node.line = line
                node.column = column
                try add(node, anchor: nil, isAlias: true)
            case YAML_SEQUENCE_START_EVENT:
                try checkDepth(line: line, column: column)
                stack.append(
                    Frame(isMapping: false, anchor: Self.string(event.data.sequence_start.anchor), line: line, column: column)
                )
            case YAML_MAPPING_START_EVENT:
                try checkDepth(line: line, column: column)
                stack.append(
                    Frame(isMapping: true, anchor: Self.string(event.data.mapping_start.anchor), line: line, column: column)
                )
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                let frame = stack.removeLast()
                let content: YAMLNode.Content
                if frame.isMapping {
                    var pairs: [(key: YAMLNode, value: YAMLNode)] = []
                    var seen: [String: Int] = [:]
                    var index = 0
                    while index + 1 < frame.items.count {
                        let key = frame.items[index]
                        if let text = key.scalar {
                            if let first = seen[text] {
                                duplicates.append((key.line, key.column, text, first))
                            } else {
                                seen[text] = key.line
                            }
                        }
                        pairs.append((frame.items[index], frame.items[index + 1]))
                        index += 2
                    }
                    content = .mapping(pairs)
                } else {
                    content = .sequence(frame.items)
                }
                let node = YAMLNode(content: content, line: frame.line, column: frame.column, weight: frame.weight)
                try add(node, anchor: frame.anchor, isAlias: false)
            default:
                break
            }
        }

        private mutating func countAliasNodes(_ count: Int, line: Int, column: Int) throws(Failure) {
            aliasNodes += count
            if aliasNodes > maxNodes {
                throw Failure(
                    kind: .aliasLimit,
                    message: "aliases expand to more than \(maxNodes) nodes; refusing the document as a possible "
                        + "alias bomb",
                    line: line,
                    column: column
                )
            }
        }

        private mutating func add(_ node: YAMLNode, anchor: String?, isAlias: Bool) throws(Failure) {
            if isAlias { try countAliasNodes(node.weight, line: node.line, column: node.column) }
            if let anchor { anchors[anchor] = node }
            if stack.isEmpty {
                document = node
            } else {
                stack[stack.count - 1].items.append(node)
                stack[stack.count - 1].weight += node.weight
            }
        }

        private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            guard let pointer else { return nil }
            return String(cString: pointer)
        }
    }
}
