/// One problem in a pipeline file, located by file, line, column and field path.
///
/// Its description reads `FILE:LINE:COLUMN: FIELD: message` (parts that are unknown are left out, e.g. for a
/// spec read from the Kubernetes API there is no file). Compare ``kind`` to tell classes of errors apart.
public struct PipelineError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of a pipeline error.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Code: String, Sendable, Hashable {
            case syntax, documentTooLarge, aliasLimit, duplicateKey, unknownField, wrongType, missingField
            case invalidValue, duplicateStep, unknownDependency, cycle, undefinedMatrixAxis, unreadableFile,
                limitExceeded
            case tooManyErrors
        }

        private let code: Code

        private init(_ code: Code) { self.code = code }

        /// The text is not well-formed YAML, or holds more than one document.
        public static let syntax = Kind(.syntax)
        /// The document exceeds the size limit (1 MiB).
        public static let documentTooLarge = Kind(.documentTooLarge)
        /// Aliases expand to more nodes than allowed (a "billion laughs" document).
        public static let aliasLimit = Kind(.aliasLimit)
        /// A mapping holds the same key twice.
        public static let duplicateKey = Kind(.duplicateKey)
        /// A mapping holds a field the pipeline format does not know.
        public static let unknownField = Kind(.unknownField)
        /// A value has the wrong YAML type (e.g. a mapping where a list is expected).
        public static let wrongType = Kind(.wrongType)
        /// A required field is absent.
        public static let missingField = Kind(.missingField)
        /// A value has the right type but is not acceptable (a bad duration, quantity or name).
        public static let invalidValue = Kind(.invalidValue)
        /// Two steps have the same name.
        public static let duplicateStep = Kind(.duplicateStep)
        /// `dependsOn` names a step that does not exist.
        public static let unknownDependency = Kind(.unknownDependency)
        /// The step dependencies form a cycle.
        public static let cycle = Kind(.cycle)
        /// `${{ matrix.NAME }}` names an axis the matrix does not have (or the expression is not supported).
        public static let undefinedMatrixAxis = Kind(.undefinedMatrixAxis)
        /// The file cannot be read.
        public static let unreadableFile = Kind(.unreadableFile)
        /// A value exceeds one of the ``PipelineLimits`` (nesting depth, counts, sizes, matrix combinations); the
        /// message names the limit and the value found.
        public static let limitExceeded = Kind(.limitExceeded)
        /// More errors than ``PipelineLimits/maxReportedErrors`` were found; this last one counts the rest.
        public static let tooManyErrors = Kind(.tooManyErrors)

        public var description: String { code.rawValue }
    }

    /// The class of the error.
    public let kind: Kind
    /// The file, when the pipeline came from one.
    public var file: String?
    /// 1-based line, when known.
    public var line: Int?
    /// 1-based column, when known.
    public var column: Int?
    /// Field path such as `steps[1].timeout`; empty for the document as a whole.
    public var field: String
    /// What is wrong and how to fix it.
    public let message: String

    /// Creates an error; parsers and validators fill in the location.
    public init(
        _ kind: Kind,
        field: String,
        message: String,
        file: String? = nil,
        line: Int? = nil,
        column: Int? = nil
    ) {
        self.kind = kind
        self.field = field
        self.message = message
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String {
        var parts: [String] = []
        var location = file ?? ""
        if let line {
            location += location.isEmpty ? "\(line)" : ":\(line)"
            if let column { location += ":\(column)" }
        }
        if !location.isEmpty { parts.append(location) }
        if !field.isEmpty { parts.append(field) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}

/// Every problem found in one pipeline file, in file order.
public struct PipelineErrors: Error, Sendable, Hashable, CustomStringConvertible {
    /// The individual errors; never empty.
    public var errors: [PipelineError]

    public init(_ errors: [PipelineError]) {
        self.errors = errors
    }

    /// One error per line.
    public var description: String { errors.map(\.description).joined(separator: "\n") }

    /// The first `limit` of `errors`, plus one error counting the others when there are more.
    public static func capped(_ errors: [PipelineError], limit: Int) -> [PipelineError] {
        guard errors.count > limit else { return errors }
        var kept = Array(errors.prefix(limit))
        let rest = errors.count - limit
        kept.append(
            PipelineError(
                .tooManyErrors,
                field: "",
                message: "\(rest) more error\(rest == 1 ? "" : "s") not shown; at most \(limit) are reported "
                    + "(maxReportedErrors)",
                file: errors.first?.file
            )
        )
        return kept
    }
}
