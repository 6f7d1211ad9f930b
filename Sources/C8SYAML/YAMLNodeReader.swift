import CYAML

/// Reads YAML into ``YAMLNode``s with libyaml's event API, enforcing limits: the one YAML reader of c8s (the
/// pipeline parser, kubeconfig files, the test API server's manifests all read through it).
///
/// Refuses documents over ``Limits/maxDocumentBytes``, aliases expanding to more than ``Limits/maxNodes`` nodes
/// in total (the document itself is bounded by its size), collections nested deeper than ``Limits/maxDepth``
/// (checked before the node is built, so no deep tree is ever made or freed recursively), unknown anchors, aliases
/// at all unless ``Limits/allowsAliases``, and streams with more than ``Limits/maxDocuments`` documents. Duplicate
/// keys are reported (all of them) without stopping the read.
package struct YAMLNodeReader: Sendable {
    /// The bounds of one read.
    package struct Limits: Sendable {
        package var maxDocumentBytes = 1 << 20
        package var maxNodes = 100_000
        package var maxDepth = 64
        package var maxDocuments = 1
        package var allowsAliases = true

        package init(
            maxDocumentBytes: Int = 1 << 20, maxNodes: Int = 100_000, maxDepth: Int = 64, maxDocuments: Int = 1,
            allowsAliases: Bool = true
        ) {
            self.maxDocumentBytes = maxDocumentBytes
            self.maxNodes = maxNodes
            self.maxDepth = maxDepth
            self.maxDocuments = maxDocuments
            self.allowsAliases = allowsAliases
        }
    }

    /// Why a read failed, with the position when there is one.
    package struct Failure: Error, CustomStringConvertible {
        /// The class of a failure.
        package enum Kind: Sendable, Hashable {
            /// Not YAML, an unknown anchor, an alias where none is allowed, too many documents.
            case syntax
            /// Over ``Limits/maxDocumentBytes``.
            case documentTooLarge
            /// Nested deeper than ``Limits/maxDepth``.
            case limitExceeded
            /// Aliases expanding to more than ``Limits/maxNodes`` nodes.
            case aliasLimit
        }

        package var kind: Kind
        package var message: String
        package var line: Int?
        package var column: Int?

        package var description: String {
            guard let line, let column else { return message }
            return "line \(line), column \(column): \(message)"
        }
    }

    /// A key given twice in one mapping: where the repeat is, the key, and the line of its first occurrence.
    package typealias Duplicate = (line: Int, column: Int, key: String, first: Int)

    package var limits: Limits

    package init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// The document (nil for an empty stream) and the duplicate keys found.
    package func read(_ bytes: [UInt8]) throws(Failure) -> (node: YAMLNode?, duplicates: [Duplicate]) {
        let (documents, duplicates) = try readDocuments(bytes)
        return (documents.first, duplicates)
    }

    /// Every document of the stream (at most ``Limits/maxDocuments``) and the duplicate keys found in them.
    package func readDocuments(_ bytes: [UInt8]) throws(Failure) -> (nodes: [YAMLNode], duplicates: [Duplicate]) {
        guard bytes.count <= limits.maxDocumentBytes else {
            throw Failure(
                kind: .documentTooLarge,
                message: "document is \(bytes.count) bytes; the limit is \(limits.maxDocumentBytes) bytes"
                    + Self.mebibytes(limits.maxDocumentBytes)
            )
        }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw Failure(kind: .syntax, message: "cannot initialize the YAML parser (out of memory)")
        }
        defer { yaml_parser_delete(&parser) }
        return try bytes.withUnsafeBufferPointer { (buffer) throws(Failure) in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var builder = Builder(limits: limits)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    throw Self.syntaxFailure(parser)
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { break }
                try builder.handle(event)
            }
            return (builder.documents, builder.duplicates)
        }
    }

    private static func mebibytes(_ bytes: Int) -> String {
        bytes % (1 << 20) == 0 ? " (\(bytes >> 20) MiB)" : ""
    }

    private static func syntaxFailure(_ parser: yaml_parser_t) -> Failure {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        var message = problem
        if let context = parser.context {
            message +=
                " " + String(cString: context)
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
        var height = 1
    }

    private struct Builder {
        let limits: Limits
        var stack: [Frame] = []
        var anchors: [String: YAMLNode] = [:]
        var documents: [YAMLNode] = []
        var documentCount = 0
        var aliasNodes = 0
        var duplicates: [Duplicate] = []

        init(limits: Limits) {
            self.limits = limits
        }

        private func checkDepth(line: Int, column: Int) throws(Failure) {
            guard stack.count >= limits.maxDepth else { return }
            let maxDepth = limits.maxDepth
            throw Failure(
                kind: .limitExceeded,
                message:
                    "collections are nested more than \(maxDepth) levels deep; the limit is \(maxDepth) (maxDepth)",
                line: line,
                column: column
            )
        }

        mutating func handle(_ event: yaml_event_t) throws(Failure) {
            let line = event.start_mark.line + 1
            let column = event.start_mark.column + 1
            switch event.type {
            case YAML_DOCUMENT_START_EVENT:
                documentCount += 1
                if documentCount > limits.maxDocuments {
                    let message =
                        limits.maxDocuments == 1
                        ? "the file holds more than one YAML document; put the pipeline in one"
                        : "the stream holds more than \(limits.maxDocuments) YAML documents (maxDocuments)"
                    throw Failure(kind: .syntax, message: message, line: line, column: column)
                }
                // Anchors are scoped to their document.
                anchors = [:]
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let text = String(
                    decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                let plain = scalar.style == YAML_PLAIN_SCALAR_STYLE && scalar.tag == nil
                let node = YAMLNode(content: .scalar(text, plain: plain), line: line, column: column, weight: 1)
                try add(node, anchor: Self.string(scalar.anchor), isAlias: false)
            case YAML_ALIAS_EVENT:
                let name = Self.string(event.data.alias.anchor) ?? ""
                guard limits.allowsAliases else {
                    throw Failure(
                        kind: .syntax, message: "aliases (\"*\(name)\") are not allowed here", line: line,
                        column: column)
                }
                guard var node = anchors[name] else {
                    throw Failure(kind: .syntax, message: "unknown anchor \"*\(name)\"", line: line, column: column)
                }
                node.line = line
                node.column = column
                try add(node, anchor: nil, isAlias: true)
            case YAML_SEQUENCE_START_EVENT:
                try checkDepth(line: line, column: column)
                stack.append(
                    Frame(
                        isMapping: false, anchor: Self.string(event.data.sequence_start.anchor), line: line,
                        column: column)
                )
            case YAML_MAPPING_START_EVENT:
                try checkDepth(line: line, column: column)
                stack.append(
                    Frame(
                        isMapping: true, anchor: Self.string(event.data.mapping_start.anchor), line: line,
                        column: column)
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
                let node = YAMLNode(
                    content: content, line: frame.line, column: frame.column, weight: frame.weight,
                    height: frame.height)
                try add(node, anchor: frame.anchor, isAlias: false)
            default:
                break
            }
        }

        private mutating func countAliasNodes(_ count: Int, line: Int, column: Int) throws(Failure) {
            aliasNodes += count
            if aliasNodes > limits.maxNodes {
                throw Failure(
                    kind: .aliasLimit,
                    message: "aliases expand to more than \(limits.maxNodes) nodes; refusing the document as a "
                        + "possible alias bomb",
                    line: line,
                    column: column
                )
            }
        }

        private mutating func add(_ node: YAMLNode, anchor: String?, isAlias: Bool) throws(Failure) {
            if isAlias {
                try countAliasNodes(node.weight, line: node.line, column: node.column)
                // An alias puts a whole collection where it stands: the nesting it makes is bounded too, so no
                // chain of aliases builds a tree too deep to walk or free.
                if stack.count + node.height > limits.maxDepth {
                    let maxDepth = limits.maxDepth
                    throw Failure(
                        kind: .limitExceeded,
                        message: "collections (through aliases) are nested more than \(maxDepth) levels deep; the "
                            + "limit is \(maxDepth) (maxDepth)",
                        line: node.line,
                        column: node.column
                    )
                }
            }
            if let anchor { anchors[anchor] = node }
            if stack.isEmpty {
                documents.append(node)
            } else {
                stack[stack.count - 1].items.append(node)
                stack[stack.count - 1].weight += node.weight
                stack[stack.count - 1].height = max(stack[stack.count - 1].height, node.height + 1)
            }
        }

        private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            guard let pointer else { return nil }
            return String(cString: pointer)
        }
    }
}
