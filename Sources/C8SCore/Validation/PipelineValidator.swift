/// Checks a ``PipelineSpec`` beyond its types: names, references, cycles, durations, quantities, the matrix
/// and its expressions, secrets and environment names. Returns every problem, each located through the
/// optional ``SourceMap`` (a spec read from the Kubernetes API has none, and its errors name only the field).
///
/// Enforces the ``PipelineLimits`` (counts, sizes, matrix combinations, the size of the resolved pipeline)
/// without expanding the matrix beyond its bounded product; its work is linear in the size of the spec
/// (n·log n in the number of names for sorting map keys), whatever the input.
public enum PipelineValidator {
    /// Every problem of `spec`, in spec order (the parser sorts them by position).
    public static func validate(
        _ spec: PipelineSpec,
        sourceMap: SourceMap? = nil,
        limits: PipelineLimits = .standard
    ) -> [PipelineError] {
        var context = Context(sourceMap: sourceMap, limits: limits)
        context.check(spec)
        return context.errors
    }

    /// Most unknown names for which a "did you mean" is computed (each costs a pass over the candidates).
    static let maxSuggestions = 20

    struct Context {
        let sourceMap: SourceMap?
        let limits: PipelineLimits
        var errors: [PipelineError] = []
        /// Axis names in expansion order, and the same as a set.
        var axes: [String] = []
        var axisSet: Set<String> = []
        /// The longest JSON-escaped value of each axis, for bounding the resolved pipeline's size.
        var longestValue: [String: Int] = [:]
        /// Upper bound of the bytes matrix substitution adds to the pipeline's encoding.
        var substitutionGrowth = 0
        var hasMatrix = false
        var suggestionsLeft = PipelineValidator.maxSuggestions

        init(sourceMap: SourceMap?, limits: PipelineLimits) {
            self.sourceMap = sourceMap
            self.limits = limits
        }

        mutating func check(_ spec: PipelineSpec) {
            checkLimits(spec)
            if let timeout = spec.timeout, timeout.nanoseconds <= 0 {
                fail(.invalidValue, "timeout", "the run timeout must be positive")
            }
            for (index, pattern) in spec.branches.enumerated() where pattern.isEmpty {
                fail(.invalidValue, "branches[\(index)]", "a branch pattern cannot be empty")
            }
            if let matrix = spec.matrix {
                hasMatrix = true
                axes = matrix.axisNames
                axisSet = Set(axes)
                for (axis, values) in matrix.axes {
                    longestValue[axis] = values.map(Self.escapedLength).max() ?? 0
                }
                check(matrix)
            }
            checkEnvironment(spec.env, path: "env")
            if spec.steps.isEmpty {
                fail(.missingField, "steps", "a pipeline needs at least one step")
            }
            var firstIndex: [String: Int] = [:]
            for (index, step) in spec.steps.enumerated() {
                let path = "steps[\(index)]"
                check(step, path: path)
                if let first = firstIndex[step.name] {
                    fail(.duplicateStep, "\(path).name", "duplicate step name \"\(step.name)\" (also steps[\(first)])")
                } else {
                    firstIndex[step.name] = index
                }
            }
            checkDependencies(spec.steps, firstIndex: firstIndex)
            checkResolvedSize(spec)
        }

        mutating func check(_ step: PipelineStep, path: String) {
            if !Names.isDNSLabel(step.name) {
                fail(
                    .invalidValue,
                    "\(path).name",
                    "step name \"\(step.name)\" is not a DNS-1123 label: use at most 63 lowercase letters, digits "
                        + "and '-', starting and ending with a letter or digit"
                )
            }
            if step.commands.isEmpty {
                fail(.invalidValue, "\(path).commands", "a step needs at least one command")
            }
            if let timeout = step.timeout, timeout.nanoseconds <= 0 {
                fail(.invalidValue, "\(path).timeout", "the step timeout must be positive")
            }
            if let image = step.image {
                if image.isEmpty { fail(.invalidValue, "\(path).image", "the image cannot be empty") }
                checkExpressions(image, path: "\(path).image")
            }
            for (index, command) in step.commands.enumerated() {
                checkExpressions(command, path: "\(path).commands[\(index)]")
            }
            checkEnvironment(step.env, path: "\(path).env")
            if let resources = step.resources { check(resources, path: "\(path).resources") }
            var secretEnv: Set<String> = []
            for (index, secret) in step.secrets.enumerated() {
                let secretPath = "\(path).secrets[\(index)]"
                if !Names.isDNSSubdomain(secret.name) {
                    fail(
                        .invalidValue, "\(secretPath).name",
                        "secret name \"\(secret.name)\" is not a valid Kubernetes name")
                }
                if !Names.isSecretKey(secret.key) {
                    fail(
                        .invalidValue,
                        "\(secretPath).key",
                        "secret key \"\(secret.key)\" may hold only letters, digits, '-', '_' and '.'"
                    )
                }
                if !Names.isEnvironmentName(secret.env) {
                    fail(.invalidValue, "\(secretPath).env", Self.envNameMessage(secret.env))
                } else if !secretEnv.insert(secret.env).inserted || step.env[secret.env] != nil {
                    fail(.invalidValue, "\(secretPath).env", "\(secret.env) is set more than once in this step")
                }
            }
            for (index, artifact) in step.artifacts.enumerated() {
                let components = artifact.split(separator: "/")
                if artifact.isEmpty || artifact.hasPrefix("/") || components.contains("..") {
                    fail(
                        .invalidValue,
                        "\(path).artifacts[\(index)]",
                        "artifact \"\(artifact)\" must be a path inside the step workspace (relative, without '..')"
                    )
                }
            }
            if let when = step.when {
                for (index, event) in when.events.enumerated() where event.isEmpty {
                    fail(.invalidValue, "\(path).when.events[\(index)]", "an event cannot be empty")
                }
                for (index, branch) in when.branches.enumerated() where branch.isEmpty {
                    fail(.invalidValue, "\(path).when.branches[\(index)]", "a branch pattern cannot be empty")
                }
            }
        }

        mutating func check(_ resources: ResourceRequirements, path: String) {
            for (section, values) in [("requests", resources.requests), ("limits", resources.limits)] {
                for name in values.keys.sorted() where values[name]!.value < 0 {
                    fail(.invalidValue, "\(path).\(section).\(name)", "a quantity cannot be negative")
                }
            }
            for name in resources.requests.keys.sorted() {
                guard let request = resources.requests[name], let limit = resources.limits[name] else { continue }
                if request.value > limit.value {
                    fail(
                        .invalidValue,
                        "\(path).requests.\(name)",
                        "request \(request) is greater than the limit \(limit)"
                    )
                }
            }
        }

        mutating func check(_ matrix: MatrixSpec) {
            if matrix.axes.isEmpty {
                fail(.invalidValue, "matrix", "a matrix needs at least one axis (e.g. go: [\"1.22\", \"1.23\"])")
            }
            for name in axes {
                let values = matrix.axes[name] ?? []
                if !Names.isAxisName(name) {
                    fail(
                        .invalidValue, "matrix.\(name)",
                        "axis name \"\(name)\" may hold only letters, digits, '_' and '-'")
                }
                if values.isEmpty {
                    fail(.invalidValue, "matrix.\(name)", "axis \"\(name)\" needs at least one value")
                }
                var seen: Set<String> = []
                for (index, value) in values.enumerated() where !seen.insert(value).inserted {
                    fail(
                        .invalidValue, "matrix.\(name)[\(index)]",
                        "value \"\(value)\" appears twice in axis \"\(name)\"")
                }
            }
            for (index, entry) in matrix.exclude.enumerated() {
                if entry.isEmpty {
                    fail(.invalidValue, "matrix.exclude[\(index)]", "an exclude entry needs at least one axis")
                }
                checkAxes(of: entry, path: "matrix.exclude[\(index)]")
            }
            for (index, entry) in matrix.include.enumerated() {
                checkAxes(of: entry, path: "matrix.include[\(index)]")
                let missing = axes.filter { entry[$0] == nil }
                if !missing.isEmpty {
                    fail(
                        .invalidValue,
                        "matrix.include[\(index)]",
                        "an include entry needs a value for every axis; missing: \(missing.joined(separator: ", "))"
                    )
                }
            }
        }

        mutating func checkAxes(of entry: [String: String], path: String) {
            for key in entry.keys.sorted() where !axisSet.contains(key) {
                var message = "\"\(key)\" is not an axis of the matrix"
                if let suggestion = suggestion(for: key, among: axes) {
                    message += "; did you mean \"\(suggestion)\"?"
                } else {
                    message += " (axes: \(axes.joined(separator: ", ")))"
                }
                fail(.invalidValue, "\(path).\(key)", message)
            }
        }

        mutating func checkEnvironment(_ env: [String: String], path: String) {
            for name in env.keys.sorted() {
                if !Names.isEnvironmentName(name) {
                    fail(.invalidValue, "\(path).\(name)", Self.envNameMessage(name))
                }
                checkExpressions(env[name] ?? "", path: "\(path).\(name)")
            }
        }

        mutating func checkExpressions(_ text: String, path: String) {
            for expression in MatrixTemplate.expressions(in: text) {
                guard let axis = expression.axis else {
                    fail(
                        .undefinedMatrixAxis,
                        path,
                        "unsupported expression \"${{ \(expression.body) }}\"; only ${{ matrix.NAME }} is available"
                    )
                    continue
                }
                if axisSet.contains(axis) {
                    substitutionGrowth += max(0, (longestValue[axis] ?? 0) - (expression.body.utf8.count + 5))
                    continue
                }
                if !hasMatrix {
                    fail(.undefinedMatrixAxis, path, "matrix.\(axis) is used but the pipeline has no matrix")
                } else {
                    var message = "matrix.\(axis) is not an axis of the matrix"
                    if let suggestion = suggestion(for: axis, among: axes) {
                        message += "; did you mean matrix.\(suggestion)?"
                    } else {
                        message += " (axes: \(axes.joined(separator: ", ")))"
                    }
                    fail(.undefinedMatrixAxis, path, message)
                }
            }
        }

        mutating func checkDependencies(_ steps: [PipelineStep], firstIndex: [String: Int]) {
            let names = steps.map(\.name)
            for (index, step) in steps.enumerated() {
                for (depIndex, dependency) in step.dependsOn.enumerated() where firstIndex[dependency] == nil {
                    var message = "unknown step \"\(dependency)\""
                    if let suggestion = suggestion(for: dependency, among: names) {
                        message += "; did you mean \"\(suggestion)\"?"
                    }
                    fail(.unknownDependency, "steps[\(index)].dependsOn[\(depIndex)]", message)
                }
            }
            for cycle in DependencyGraph(steps: steps).cycles(limit: PipelineValidator.maxSuggestions) {
                guard let first = cycle.first, let index = firstIndex[first] else { continue }
                fail(
                    .cycle,
                    "steps[\(index)].dependsOn",
                    "dependency cycle: \(cycle.joined(separator: " -> ")) -> \(first) (each step depends on the next)"
                )
            }
        }

        /// The closest of `candidates`, while suggestions are left (each one scans every candidate).
        mutating func suggestion(for word: String, among candidates: [String]) -> String? {
            guard suggestionsLeft > 0 else { return nil }
            suggestionsLeft -= 1
            return EditDistance.closest(to: word, among: candidates)
        }

        static func envNameMessage(_ name: String) -> String {
            "\"\(name)\" is not a valid environment variable name: "
                + "use letters, digits and '_', not starting with a digit"
        }

        mutating func fail(_ kind: PipelineError.Kind, _ path: String, _ message: String) {
            let prefix = sourceMap?.pathPrefix ?? ""
            let fullPath = path.isEmpty && prefix.hasSuffix(".") ? String(prefix.dropLast()) : prefix + path
            let position = sourceMap?.location(of: fullPath)
            errors.append(
                PipelineError(
                    kind,
                    field: fullPath,
                    message: message,
                    file: sourceMap?.file,
                    line: position?.line,
                    column: position?.column
                )
            )
        }
    }
}
