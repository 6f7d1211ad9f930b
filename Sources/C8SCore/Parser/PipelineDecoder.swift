import C8SYAML

/// Turns a ``YAMLNode`` tree into a ``PipelineSpec``, collecting every type error, unknown field and bad value
/// instead of stopping at the first, and recording where each field was written.
struct PipelineDecoder {
    var errors: [PipelineError] = []
    var sourceMap: SourceMap

    init(file: String?) {
        sourceMap = SourceMap(file: file)
    }

    static let specFields = ["repository", "branches", "timeout", "env", "matrix", "steps"]
    static let stepFields = [
        "name", "image", "commands", "dependsOn", "timeout", "resources", "env", "secrets", "artifacts", "when",
        "allowFailure",
    ]
    static let configFields = ["apiVersion", "kind", "metadata", "spec"]

    /// Decodes either a bare pipeline or a whole `PipelineConfig` object.
    mutating func decodeDocument(_ node: YAMLNode) -> PipelineSpec {
        if case .mapping(let pairs) = node.content,
            pairs.contains(where: { $0.key.scalar == "apiVersion" || $0.key.scalar == "kind" })
        {
            return decodeConfig(node)
        }
        return decodeSpec(node, path: "")
    }

    private mutating func decodeConfig(_ node: YAMLNode) -> PipelineSpec {
        sourceMap.pathPrefix = "spec."
        var spec = PipelineSpec()
        var sawSpec = false
        for (key, value, path) in fields(node, path: "", allowed: Self.configFields) {
            switch key {
            case "apiVersion":
                if let text = string(value, path: path), text != "c8s.dev/v1alpha1" {
                    fail(.invalidValue, path, value, "apiVersion must be \"c8s.dev/v1alpha1\", not \"\(text)\"")
                }
            case "kind":
                if let text = string(value, path: path), text != "PipelineConfig" {
                    fail(.invalidValue, path, value, "kind must be \"PipelineConfig\", not \"\(text)\"")
                }
            case "metadata":
                expectMapping(value, path: path)
            default:
                sawSpec = true
                spec = decodeSpec(value, path: "spec")
            }
        }
        if !sawSpec { fail(.missingField, "spec", node, "a PipelineConfig needs a \"spec\" holding the pipeline") }
        return spec
    }

    mutating func decodeSpec(_ node: YAMLNode, path base: String) -> PipelineSpec {
        var spec = PipelineSpec()
        var sawSteps = false
        for (key, value, path) in fields(node, path: base, allowed: Self.specFields) {
            switch key {
            case "repository": spec.repository = string(value, path: path)
            case "branches": spec.branches = stringList(value, path: path) ?? []
            case "timeout": spec.timeout = duration(value, path: path)
            case "env": spec.env = stringMap(value, path: path) ?? [:]
            case "matrix": spec.matrix = matrix(value, path: path)
            default:
                sawSteps = true
                if let items = list(value, path: path) {
                    spec.steps = items.enumerated().compactMap { index, item in
                        step(item, path: "\(path)[\(index)]")
                    }
                }
            }
        }
        if !sawSteps, case .mapping = node.content {
            fail(.missingField, join(base, "steps"), node, "a pipeline needs a \"steps\" list")
        }
        return spec
    }

    private mutating func step(_ node: YAMLNode, path base: String) -> PipelineStep? {
        guard case .mapping = node.content else {
            fail(.wrongType, base, node, "expected a step (a mapping with name and commands), got \(node.typeName)")
            return nil
        }
        var step = PipelineStep(name: "")
        var sawName = false
        var sawCommands = false
        for (key, value, path) in fields(node, path: base, allowed: Self.stepFields) {
            switch key {
            case "name":
                sawName = true
                step.name = string(value, path: path) ?? ""
            case "image": step.image = string(value, path: path)
            case "commands":
                sawCommands = true
                step.commands = stringList(value, path: path) ?? []
            case "dependsOn": step.dependsOn = stringList(value, path: path) ?? []
            case "timeout": step.timeout = duration(value, path: path)
            case "resources": step.resources = resources(value, path: path)
            case "env": step.env = stringMap(value, path: path) ?? [:]
            case "secrets":
                step.secrets = (list(value, path: path) ?? []).enumerated().compactMap { index, item in
                    secret(item, path: "\(path)[\(index)]")
                }
            case "artifacts": step.artifacts = stringList(value, path: path) ?? []
            case "when": step.when = when(value, path: path)
            default: step.allowFailure = bool(value, path: path) ?? false
            }
        }
        if !sawName { fail(.missingField, join(base, "name"), node, "a step needs a \"name\"") }
        if !sawCommands { fail(.missingField, join(base, "commands"), node, "a step needs a \"commands\" list") }
        return step
    }

    private mutating func secret(_ node: YAMLNode, path base: String) -> SecretReference? {
        guard case .mapping = node.content else {
            fail(.wrongType, base, node, "expected a mapping {name, key, env}, got \(node.typeName)")
            return nil
        }
        var values: [String: String] = [:]
        var rejected: Set<String> = []
        for (key, value, path) in fields(node, path: base, allowed: ["name", "key", "env"]) {
            values[key] = string(value, path: path)
            if values[key] == nil, !value.isNull { rejected.insert(key) }
        }
        var complete = true
        for field in ["name", "key", "env"] where values[field] == nil {
            if !rejected.contains(field) {
                fail(.missingField, join(base, field), node, "a secret needs \"\(field)\" (all of name, key, env)")
            }
            complete = false
        }
        guard complete, let name = values["name"], let key = values["key"], let env = values["env"] else { return nil }
        return SecretReference(name: name, key: key, env: env)
    }

    private mutating func resources(_ node: YAMLNode, path base: String) -> ResourceRequirements? {
        var result = ResourceRequirements()
        for (key, value, path) in fields(node, path: base, allowed: ["requests", "limits"]) {
            var quantities: [String: Quantity] = [:]
            for (name, item, itemPath) in entries(value, path: path) {
                if let quantity = quantity(item, path: itemPath) { quantities[name] = quantity }
            }
            if key == "requests" { result.requests = quantities } else { result.limits = quantities }
        }
        return result
    }

    private mutating func when(_ node: YAMLNode, path base: String) -> WhenCondition? {
        var result = WhenCondition()
        for (key, value, path) in fields(node, path: base, allowed: ["branches", "events", "paths"]) {
            let items = stringList(value, path: path)
            switch key {
            case "branches": result.branches = items ?? []
            case "events": result.events = items ?? []
            default: result.paths = items
            }
        }
        return result
    }

    private mutating func matrix(_ node: YAMLNode, path base: String) -> MatrixSpec? {
        guard case .mapping = node.content else {
            fail(.wrongType, base, node, "expected a mapping of axis names to value lists, got \(node.typeName)")
            return nil
        }
        var result = MatrixSpec()
        for (key, value, path) in entries(node, path: base) {
            switch key {
            case "exclude", "include":
                let combos = (list(value, path: path) ?? []).enumerated().compactMap { index, item in
                    stringMap(item, path: "\(path)[\(index)]")
                }
                if key == "exclude" { result.exclude = combos } else { result.include = combos }
            default:
                result.axes[key] = stringList(value, path: path) ?? []
            }
        }
        return result
    }

    // MARK: - Typed accessors

    /// The entries of a mapping whose keys are all allowed; reports unknown keys with a suggestion.
    private mutating func fields(
        _ node: YAMLNode,
        path base: String,
        allowed: [String]
    ) -> [(String, YAMLNode, String)] {
        entries(node, path: base).filter { key, _, path in
            if allowed.contains(key) { return true }
            var message = "unknown field \"\(key)\""
            if let suggestion = EditDistance.closest(to: key, among: allowed) {
                message += "; did you mean \"\(suggestion)\"?"
            } else {
                message += "; known fields: \(allowed.joined(separator: ", "))"
            }
            fail(.unknownField, path, at: sourceMap.keyLocation(of: path), message)
            return false
        }
    }

    /// The entries of a mapping (key, value, path), recording positions; duplicates keep the first value.
    private mutating func entries(_ node: YAMLNode, path base: String) -> [(String, YAMLNode, String)] {
        guard !node.isNull else { return [] }
        guard case .mapping(let pairs) = node.content else {
            fail(.wrongType, base, node, "expected a mapping, got \(node.typeName)")
            return []
        }
        record(base, node)
        var result: [(String, YAMLNode, String)] = []
        var seen: Set<String> = []
        for (keyNode, value) in pairs {
            guard let key = keyNode.scalar else {
                fail(.wrongType, base, keyNode, "mapping keys must be strings, got \(keyNode.typeName)")
                continue
            }
            let path = join(base, key)
            guard seen.insert(key).inserted else { continue }
            sourceMap.recordKey(path, keyNode.position)
            record(path, value)
            result.append((key, value, path))
        }
        return result
    }

    private mutating func expectMapping(_ node: YAMLNode, path: String) {
        _ = entries(node, path: path)
    }

    private mutating func list(_ node: YAMLNode, path: String) -> [YAMLNode]? {
        if node.isNull { return [] }
        guard case .sequence(let items) = node.content else {
            fail(.wrongType, path, node, "expected a list, got \(node.typeName)")
            return nil
        }
        for (index, item) in items.enumerated() { record("\(path)[\(index)]", item) }
        return items
    }

    private mutating func string(_ node: YAMLNode, path: String) -> String? {
        if node.isNull { return nil }
        guard let text = node.scalar else {
            fail(.wrongType, path, node, "expected a string, got \(node.typeName)")
            return nil
        }
        return text
    }

    private mutating func stringList(_ node: YAMLNode, path: String) -> [String]? {
        guard let items = list(node, path: path) else { return nil }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            if item.isNull {
                fail(.wrongType, itemPath, item, "expected a string, got null")
            } else if let text = string(item, path: itemPath) {
                result.append(text)
            }
        }
        return result
    }

    private mutating func stringMap(_ node: YAMLNode, path: String) -> [String: String]? {
        guard case .mapping = node.content else {
            if node.isNull { return [:] }
            fail(.wrongType, path, node, "expected a mapping of strings, got \(node.typeName)")
            return nil
        }
        var result: [String: String] = [:]
        for (key, value, valuePath) in entries(node, path: path) {
            if value.isNull {
                fail(.wrongType, valuePath, value, "expected a string, got null (quote it: \"\")")
            } else if let text = string(value, path: valuePath) {
                result[key] = text
            }
        }
        return result
    }

    private mutating func bool(_ node: YAMLNode, path: String) -> Bool? {
        if case .scalar(let text, plain: true) = node.content {
            if ["true", "True", "TRUE"].contains(text) { return true }
            if ["false", "False", "FALSE"].contains(text) { return false }
        }
        fail(.wrongType, path, node, "expected true or false, got \(node.typeName)")
        return nil
    }

    private mutating func duration(_ node: YAMLNode, path: String) -> PipelineDuration? {
        guard let text = string(node, path: path) else { return nil }
        guard let value = PipelineDuration(parsing: text) else {
            fail(.invalidValue, path, node, "invalid duration \"\(text)\"; write it like 90s, 10m or 1h30m")
            return nil
        }
        return value
    }

    private mutating func quantity(_ node: YAMLNode, path: String) -> Quantity? {
        guard let text = string(node, path: path) else { return nil }
        guard let value = Quantity(parsing: text) else {
            fail(.invalidValue, path, node, "invalid quantity \"\(text)\"; write it like 500m, 2, 2.5 or 1Gi")
            return nil
        }
        return value
    }

    // MARK: - Helpers

    private mutating func record(_ path: String, _ node: YAMLNode) {
        sourceMap.recordValue(path, node.position)
    }

    private func join(_ base: String, _ key: String) -> String {
        base.isEmpty ? key : "\(base).\(key)"
    }

    private mutating func fail(_ kind: PipelineError.Kind, _ path: String, _ node: YAMLNode, _ message: String) {
        fail(kind, path, at: node.position, message)
    }

    private mutating func fail(
        _ kind: PipelineError.Kind,
        _ path: String,
        at position: SourceMap.Position?,
        _ message: String
    ) {
        errors.append(
            PipelineError(
                kind,
                field: path,
                message: message,
                file: sourceMap.file,
                line: position?.line,
                column: position?.column
            )
        )
    }
}
