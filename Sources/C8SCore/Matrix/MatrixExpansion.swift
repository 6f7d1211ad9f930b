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
    ///
    /// Costs the product of the axis sizes times the exclude entries: callers check ``product(of:limit:)``
    /// (or use ``boundedCombinations(of:limits:)``) before expanding a matrix nobody validated.
    public static func combinations(of matrix: MatrixSpec?) -> [MatrixCombination] {
        guard let matrix, !matrix.axes.isEmpty else { return [MatrixCombination()] }
        let names = matrix.axisNames
        let values = names.map { matrix.axes[$0] ?? [] }
        guard !values.contains(where: \.isEmpty) else { return includes(of: matrix, after: []) }
        // Each exclude entry as (axis position, value position) pairs; one naming an unknown axis or value
        // matches nothing, like the partial-combination comparison it replaces.
        let excludes: [[(Int, Int)]] = matrix.exclude.compactMap { entry in
            guard !entry.isEmpty else { return nil }
            var pairs: [(Int, Int)] = []
            for (axis, value) in entry {
                guard let a = names.firstIndex(of: axis), let v = values[a].firstIndex(of: value) else { return nil }
                pairs.append((a, v))
            }
            return pairs
        }
        var result: [MatrixCombination] = []
        var odometer = [Int](repeating: 0, count: names.count)
        while true {
            if !excludes.contains(where: { $0.allSatisfy { odometer[$0.0] == $0.1 } }) {
                var combination: [String: String] = [:]
                for (a, v) in odometer.enumerated() { combination[names[a]] = values[a][v] }
                result.append(MatrixCombination(combination))
            }
            // The last axis varies fastest, as in the product of the axes in name order.
            var position = names.count - 1
            while position >= 0 {
                odometer[position] += 1
                if odometer[position] < values[position].count { break }
                odometer[position] = 0
                position -= 1
            }
            if position < 0 { break }
        }
        return includes(of: matrix, after: result)
    }

    /// `result` plus each `include` entry that is not already present.
    private static func includes(of matrix: MatrixSpec, after result: [MatrixCombination]) -> [MatrixCombination] {
        var result = result
        var present = Set(result)
        for entry in matrix.include where present.insert(MatrixCombination(entry)).inserted {
            result.append(MatrixCombination(entry))
        }
        return result
    }

    /// The product of the axis sizes (the combinations before `exclude`); nil when it does not fit in an `Int`.
    public static func product(of matrix: MatrixSpec?) -> Int? {
        guard let matrix, !matrix.axes.isEmpty else { return 1 }
        var product = 1
        for values in matrix.axes.values {
            let (next, overflow) = product.multipliedReportingOverflow(by: values.count)
            if overflow { return nil }
            product = next
        }
        return product
    }

    /// The combinations of `matrix`, refusing (without expanding it) a matrix beyond `limits`: the error names
    /// the limit and the value found. The coordinator expands runs only through this.
    public static func boundedCombinations(
        of matrix: MatrixSpec?,
        limits: PipelineLimits = .standard
    ) throws(PipelineError) -> [MatrixCombination] {
        let product = Self.product(of: matrix)
        guard let product, product <= limits.maxMatrixProduct else {
            let found = product.map { "\($0)" } ?? "more than \(Int.max)"
            throw PipelineError(
                .limitExceeded, field: "matrix",
                message: "the axes make \(found) combinations before exclude; the limit is "
                    + "\(limits.maxMatrixProduct) (maxMatrixProduct)")
        }
        guard (matrix?.exclude.count ?? 0) <= limits.maxMatrixEntries,
            (matrix?.include.count ?? 0) <= limits.maxMatrixEntries
        else {
            throw PipelineError(
                .limitExceeded, field: "matrix",
                message: "more than \(limits.maxMatrixEntries) exclude or include entries (maxMatrixEntries)")
        }
        let result = combinations(of: matrix)
        guard result.count <= limits.maxMatrixCombinations else {
            throw PipelineError(
                .limitExceeded, field: "matrix",
                message: "the matrix makes \(result.count) combinations after exclude and include; the limit is "
                    + "\(limits.maxMatrixCombinations) (maxMatrixCombinations)")
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
