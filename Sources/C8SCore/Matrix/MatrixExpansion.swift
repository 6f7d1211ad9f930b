/// A pipeline for one matrix combination, with every `${{ matrix.NAME }}` substituted.
public struct ResolvedPipeline: Sendable, Hashable, Codable {
    /// Position of the combination in expansion order (0 for a pipeline without a matrix).
    public var index: Int
    /// The combination's values.
    public var combination: MatrixCombination
    /// The pipeline with the combination substituted into images, commands and environment values;
    /// its `matrix` is removed.
    public var spec: PipelineSpec

    public init(index: Int, combination: MatrixCombination, spec: PipelineSpec) {
        self.index = index
        self.combination = combination
        self.spec = spec
    }
}

/// Expands a build matrix: the cartesian product of the axes (axes in name order, the first axis varying
/// slowest, values in the order written), minus every combination an `exclude` entry matches, plus each
/// `include` entry that is not already present, in order.
public enum MatrixExpansion {
    /// The combinations of `matrix`; a single empty combination when there is no matrix.
    public static func combinations(of matrix: MatrixSpec?) -> [MatrixCombination] {
        guard let matrix, !matrix.axes.isEmpty else { return [MatrixCombination()] }
        var product: [[String: String]] = [[:]]
        for axis in matrix.axisNames {
            let values = matrix.axes[axis] ?? []
            product = product.flatMap { partial in
                values.map { value in partial.merging([axis: value]) { $1 } }
            }
        }
        var result = product.map(MatrixCombination.init).filter { combination in
            !matrix.exclude.contains { !$0.isEmpty && combination.matches($0) }
        }
        for entry in matrix.include where !result.contains(MatrixCombination(entry)) {
            result.append(MatrixCombination(entry))
        }
        return result
    }

    /// One resolved pipeline per combination, in expansion order.
    public static func expand(_ spec: PipelineSpec) -> [ResolvedPipeline] {
        combinations(of: spec.matrix).enumerated().map { index, combination in
            ResolvedPipeline(index: index, combination: combination, spec: resolve(spec, with: combination))
        }
    }

    /// `spec` with `combination` substituted and its matrix removed.
    public static func resolve(_ spec: PipelineSpec, with combination: MatrixCombination) -> PipelineSpec {
        let values = combination.values
        var resolved = spec
        resolved.matrix = nil
        resolved.env = spec.env.mapValues { MatrixTemplate.substitute($0, values: values) }
        resolved.steps = spec.steps.map { step in
            var step = step
            step.image = step.image.map { MatrixTemplate.substitute($0, values: values) }
            step.commands = step.commands.map { MatrixTemplate.substitute($0, values: values) }
            step.env = step.env.mapValues { MatrixTemplate.substitute($0, values: values) }
            return step
        }
        return resolved
    }
}
