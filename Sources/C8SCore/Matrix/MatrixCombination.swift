/// One combination of matrix values (empty for a pipeline without a matrix).
public struct MatrixCombination: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Axis name to value.
    public var values: [String: String]

    public init(_ values: [String: String] = [:]) {
        self.values = values
    }

    /// `go=1.22, os=debian` (axes sorted), or the empty string.
    public var description: String {
        values.keys.sorted().map { "\($0)=\(values[$0]!)" }.joined(separator: ", ")
    }

    /// Whether `entry` (a partial combination, as in `exclude`) matches this combination.
    public func matches(_ entry: [String: String]) -> Bool {
        entry.allSatisfy { values[$0.key] == $0.value }
    }

    public init(from decoder: any Decoder) throws {
        values = try decoder.singleValueContainer().decode([String: String].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(values)
    }
}
