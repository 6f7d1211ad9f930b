import Foundation

extension PipelineValidator.Context {
    /// Checks every count and size of ``PipelineLimits``; the matrix's combinations are counted without
    /// expanding more than its bounded product.
    mutating func checkLimits(_ spec: PipelineSpec) {
        if let repository = spec.repository {
            bytes(repository, limits.maxPathBytes, "maxPathBytes", "the repository URL", "repository")
        }
        checkPatterns(spec.branches, path: "branches", what: "branch patterns")
        checkEnvironmentLimits(spec.env, path: "env")
        count(spec.steps.count, limits.maxSteps, "maxSteps", "steps", "steps")
        for (index, step) in spec.steps.enumerated() {
            checkLimits(step, path: "steps[\(index)]")
        }
        if let matrix = spec.matrix { checkLimits(matrix) }
    }

    private mutating func checkLimits(_ step: PipelineStep, path: String) {
        bytes(step.name, limits.maxNameBytes, "maxNameBytes", "the step name", "\(path).name")
        if let image = step.image { bytes(image, limits.maxPathBytes, "maxPathBytes", "the image", "\(path).image") }
        count(step.dependsOn.count, limits.maxDependencies, "maxDependencies", "dependencies", "\(path).dependsOn")
        for (index, dependency) in step.dependsOn.enumerated() {
            bytes(dependency, limits.maxNameBytes, "maxNameBytes", "the step name", "\(path).dependsOn[\(index)]")
        }
        count(step.commands.count, limits.maxCommands, "maxCommands", "commands", "\(path).commands")
        var total = 0
        for (index, command) in step.commands.enumerated() {
            total += command.utf8.count
            bytes(command, limits.maxCommandBytes, "maxCommandBytes", "the command", "\(path).commands[\(index)]")
        }
        if total > limits.maxStepCommandBytes {
            fail(
                .limitExceeded, "\(path).commands",
                "the commands are \(total) bytes together; the limit is \(limits.maxStepCommandBytes) bytes "
                    + "(maxStepCommandBytes)")
        }
        checkEnvironmentLimits(step.env, path: "\(path).env")
        count(step.secrets.count, limits.maxSecrets, "maxSecrets", "secrets", "\(path).secrets")
        count(step.artifacts.count, limits.maxArtifacts, "maxArtifacts", "artifacts", "\(path).artifacts")
        for (index, artifact) in step.artifacts.enumerated() {
            bytes(artifact, limits.maxPathBytes, "maxPathBytes", "the artifact path", "\(path).artifacts[\(index)]")
        }
        if let when = step.when {
            checkPatterns(when.branches, path: "\(path).when.branches", what: "branch patterns")
            checkPatterns(when.events, path: "\(path).when.events", what: "events")
            if let paths = when.paths {
                count(paths.count, limits.maxPatterns, "maxPatterns", "path patterns", "\(path).when.paths")
                for (index, pattern) in paths.enumerated() {
                    bytes(
                        pattern, limits.maxPathBytes, "maxPathBytes", "the path pattern", "\(path).when.paths[\(index)]"
                    )
                }
            }
        }
    }

    private mutating func checkPatterns(_ patterns: [String], path: String, what: String) {
        count(patterns.count, limits.maxPatterns, "maxPatterns", what, path)
        for (index, pattern) in patterns.enumerated() {
            bytes(pattern, limits.maxNameBytes, "maxNameBytes", "the value", "\(path)[\(index)]")
        }
    }

    private mutating func checkEnvironmentLimits(_ env: [String: String], path: String) {
        count(env.count, limits.maxEnvEntries, "maxEnvEntries", "environment variables", path)
        for name in env.keys.sorted() {
            bytes(name, limits.maxNameBytes, "maxNameBytes", "the variable name", "\(path).\(name)")
            bytes(env[name] ?? "", limits.maxEnvValueBytes, "maxEnvValueBytes", "the value", "\(path).\(name)")
        }
    }

    private mutating func checkLimits(_ matrix: MatrixSpec) {
        count(matrix.axes.count, limits.maxMatrixAxes, "maxMatrixAxes", "axes", "matrix")
        for name in matrix.axisNames {
            let values = matrix.axes[name] ?? []
            bytes(name, limits.maxNameBytes, "maxNameBytes", "the axis name", "matrix.\(name)")
            count(values.count, limits.maxMatrixEntries, "maxMatrixEntries", "values", "matrix.\(name)")
            for (index, value) in values.enumerated() {
                bytes(value, limits.maxNameBytes, "maxNameBytes", "the value", "matrix.\(name)[\(index)]")
            }
        }
        count(matrix.exclude.count, limits.maxMatrixEntries, "maxMatrixEntries", "exclude entries", "matrix.exclude")
        count(matrix.include.count, limits.maxMatrixEntries, "maxMatrixEntries", "include entries", "matrix.include")
        for (key, entries) in [("include", matrix.include), ("exclude", matrix.exclude)] {
            for (index, entry) in entries.enumerated() {
                for (axis, value) in entry {
                    bytes(value, limits.maxNameBytes, "maxNameBytes", "the value", "matrix.\(key)[\(index)].\(axis)")
                }
            }
        }
        switch MatrixExpansion.product(of: matrix) {
        case .some(let product) where product > limits.maxMatrixProduct:
            fail(
                .limitExceeded, "matrix",
                "the axes make \(product) combinations before exclude; the limit is \(limits.maxMatrixProduct) "
                    + "(maxMatrixProduct)")
        case .none:
            fail(
                .limitExceeded, "matrix",
                "the axes make more than \(Int.max) combinations before exclude; the limit is "
                    + "\(limits.maxMatrixProduct) (maxMatrixProduct)")
        case .some:
            guard matrix.exclude.count <= limits.maxMatrixEntries, matrix.include.count <= limits.maxMatrixEntries
            else { return }
            let combinations = MatrixExpansion.combinations(of: matrix).count
            if combinations > limits.maxMatrixCombinations {
                fail(
                    .limitExceeded, "matrix",
                    "the matrix makes \(combinations) combinations after exclude and include; the limit is "
                        + "\(limits.maxMatrixCombinations) (maxMatrixCombinations)")
            }
        }
    }

    /// Refuses a pipeline whose resolved form (the run's status snapshot) could exceed
    /// ``PipelineLimits/maxResolvedSpecBytes``: its JSON encoding plus what matrix substitution can add.
    mutating func checkResolvedSize(_ spec: PipelineSpec) {
        let encoded = (try? JSONEncoder().encode(spec).count) ?? 0
        let size = encoded + substitutionGrowth
        if size > limits.maxResolvedSpecBytes {
            let detail = substitutionGrowth > 0 ? " with the matrix values substituted" : ""
            fail(
                .limitExceeded, "",
                "the resolved pipeline\(detail) can be \(size) bytes of JSON; the limit is "
                    + "\(limits.maxResolvedSpecBytes) bytes (maxResolvedSpecBytes), so that the run's status "
                    + "snapshot fits inside etcd's 1.5 MiB object limit")
        }
    }

    /// Length of `value` as a JSON string's contents.
    static func escapedLength(_ value: String) -> Int {
        var length = 0
        for byte in value.utf8 {
            switch byte {
            case 0x22, 0x5C, 0x2F, 0x08, 0x0C, 0x0A, 0x0D, 0x09: length += 2
            case 0..<0x20: length += 6
            default: length += 1
            }
        }
        return length
    }

    private mutating func count(_ found: Int, _ limit: Int, _ name: String, _ what: String, _ path: String) {
        guard found > limit else { return }
        fail(.limitExceeded, path, "\(found) \(what); the limit is \(limit) (\(name))")
    }

    private mutating func bytes(_ text: String, _ limit: Int, _ name: String, _ what: String, _ path: String) {
        let found = text.utf8.count
        guard found > limit else { return }
        fail(.limitExceeded, path, "\(what) is \(found) bytes; the limit is \(limit) bytes (\(name))")
    }
}
