import C8SYAML
import Foundation

/// A pipeline read from YAML, with the positions of its fields.
public struct ParsedPipeline: Sendable, Hashable {
    /// The pipeline (possibly incomplete if ``PipelineParser/parse(_:file:)`` reported errors).
    public var spec: PipelineSpec
    /// Where each field was written.
    public var sourceMap: SourceMap
}

/// Reads `.c8s.yaml` files (a bare pipeline, or a whole `PipelineConfig` object) with libyaml.
///
/// Every error names `FILE:LINE:COLUMN: FIELD`. The parser refuses documents over 1 MiB, alias bombs
/// (aliases expanding to more than 100 000 nodes), collections nested deeper than 64 levels, duplicate keys,
/// unknown fields (suggesting the closest known one) and values of the wrong type; ``load(_:file:)`` then
/// validates the result and reports every problem of the file at once (at most
/// ``PipelineLimits/maxReportedErrors``, the last error counting the rest). Its work is linear in the size of
/// the document (n·log n for sorting the errors).
public enum PipelineParser {
    /// Largest accepted document, in bytes.
    public static let maxDocumentBytes = PipelineLimits.standard.maxDocumentBytes
    /// Largest accepted number of nodes produced by expanding aliases.
    public static let maxNodes = PipelineLimits.standard.maxAliasNodes
    /// Deepest accepted nesting of collections.
    public static let maxDepth = PipelineLimits.standard.maxDepth

    /// Parses and validates a pipeline file's bytes; throws every problem found.
    public static func load(_ bytes: [UInt8], file: String? = nil) throws(PipelineErrors) -> PipelineSpec {
        let (parsed, decodeErrors) = try parseCollecting(bytes, file: file)
        var errors = decodeErrors
        let validation = PipelineValidator.validate(parsed.spec, sourceMap: parsed.sourceMap)
        // A value the decoder already rejected (or one inside it, or one holding it) is not reported again by
        // validation: the decoded fields and all their ancestors are looked up by path, in time linear in the
        // number of errors.
        var rejected: Set<String> = []
        var rejectedAncestors: Set<String> = []
        for error in decodeErrors {
            rejected.insert(error.field)
            var current = error.field
            while let parent = SourceMap.parent(of: current), !parent.isEmpty {
                rejectedAncestors.insert(parent)
                current = parent
            }
        }
        for error in validation where !Self.isCovered(error.field, rejected: rejected, ancestors: rejectedAncestors) {
            errors.append(error)
        }
        guard errors.isEmpty else { throw PipelineErrors(sorted(errors)) }
        return parsed.spec
    }

    /// Parses and validates a YAML string.
    public static func load(yaml: String, file: String? = nil) throws(PipelineErrors) -> PipelineSpec {
        try load(Array(yaml.utf8), file: file)
    }

    /// Reads, parses and validates the file at `path`.
    public static func load(contentsOf path: String) throws(PipelineErrors) -> PipelineSpec {
        try load(try read(path), file: path)
    }

    /// Parses without validating; throws syntax, type and unknown-field errors.
    public static func parse(_ bytes: [UInt8], file: String? = nil) throws(PipelineErrors) -> ParsedPipeline {
        let (parsed, errors) = try parseCollecting(bytes, file: file)
        guard errors.isEmpty else { throw PipelineErrors(sorted(errors)) }
        return parsed
    }

    /// Reads the file at `path` within the size limit.
    public static func read(_ path: String) throws(PipelineErrors) -> [UInt8] {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let size = attributes?[.size] as? Int, size > maxDocumentBytes {
            throw PipelineErrors([
                PipelineError(
                    .documentTooLarge,
                    field: "",
                    message: "document is \(size) bytes; the limit is \(maxDocumentBytes) bytes (1 MiB)",
                    file: path
                )
            ])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let reason = !exists ? "no such file" : isDirectory.boolValue ? "it is a directory" : "permission denied"
            throw PipelineErrors([
                PipelineError(.unreadableFile, field: "", message: "cannot read the file: \(reason)", file: path)
            ])
        }
        return [UInt8](data)
    }

    private static func parseCollecting(
        _ bytes: [UInt8],
        file: String?
    ) throws(PipelineErrors) -> (ParsedPipeline, [PipelineError]) {
        let reader = YAMLNodeReader(
            limits: .init(maxDocumentBytes: maxDocumentBytes, maxNodes: maxNodes, maxDepth: maxDepth))
        let document: YAMLNode?
        let duplicates: [YAMLNodeReader.Duplicate]
        do {
            (document, duplicates) = try reader.read(bytes)
        } catch {
            let kind: PipelineError.Kind =
                switch error.kind {
                case .syntax: .syntax
                case .documentTooLarge: .documentTooLarge
                case .limitExceeded: .limitExceeded
                case .aliasLimit: .aliasLimit
                }
            throw PipelineErrors([
                PipelineError(
                    kind, field: "", message: error.message, file: file, line: error.line, column: error.column)
            ])
        }
        guard let document, !document.isNull else {
            throw PipelineErrors([
                PipelineError(
                    .missingField, field: "steps", message: "the file is empty; a pipeline needs \"steps\"", file: file)
            ])
        }
        guard case .mapping = document.content else {
            throw PipelineErrors([
                PipelineError(
                    .wrongType,
                    field: "",
                    message: "expected a mapping with \"steps\", got \(document.typeName)",
                    file: file,
                    line: document.line,
                    column: document.column
                )
            ])
        }
        var decoder = PipelineDecoder(file: file)
        let spec = decoder.decodeDocument(document)
        var errors = decoder.errors
        // Naming a duplicate's field scans the source map; only the errors that will be reported are named.
        for duplicate in duplicates.prefix(PipelineLimits.standard.maxReportedErrors) {
            errors.append(
                PipelineError(
                    .duplicateKey,
                    field: duplicateField(duplicate, sourceMap: decoder.sourceMap),
                    message: "duplicate key \"\(duplicate.key)\" (first given on line \(duplicate.first))",
                    file: file,
                    line: duplicate.line,
                    column: duplicate.column
                )
            )
        }
        return (ParsedPipeline(spec: spec, sourceMap: decoder.sourceMap), errors)
    }

    /// The field path of a duplicated key: the path whose key was recorded at the first occurrence's line.
    private static func duplicateField(
        _ duplicate: (line: Int, column: Int, key: String, first: Int),
        sourceMap: SourceMap
    ) -> String {
        sourceMap.keyPath(named: duplicate.key, onLine: duplicate.first) ?? duplicate.key
    }

    /// Whether a decode error on `field`, on one of its ancestors or on one of its descendants makes a
    /// validation error on `field` redundant.
    private static func isCovered(_ field: String, rejected: Set<String>, ancestors: Set<String>) -> Bool {
        if rejected.contains(field) || ancestors.contains(field) { return true }
        var current = field
        while let parent = SourceMap.parent(of: current), !parent.isEmpty {
            if rejected.contains(parent) { return true }
            current = parent
        }
        return false
    }

    /// The errors in file order, at most ``PipelineLimits/maxReportedErrors`` of them plus one counting the rest.
    private static func sorted(_ errors: [PipelineError]) -> [PipelineError] {
        let ordered = errors.enumerated().sorted { lhs, rhs in
            let l = (lhs.element.line ?? Int.max, lhs.element.column ?? Int.max, lhs.offset)
            let r = (rhs.element.line ?? Int.max, rhs.element.column ?? Int.max, rhs.offset)
            return l < r
        }.map(\.element)
        return PipelineErrors.capped(ordered, limit: PipelineLimits.standard.maxReportedErrors)
    }
}
