/// A build matrix: named axes with their values, minus `exclude` entries, plus `include` entries.
///
/// JSON shape: an object whose keys are axis names mapping to arrays of strings, plus optional `exclude` and
/// `include` arrays of string maps, e.g. `{"go": ["1.22", "1.23"], "exclude": [{"go": "1.22"}]}`.
/// Expansion orders axes by name, so a matrix read back from the Kubernetes API (whose maps are unordered)
/// expands exactly like the same matrix read from the file.
public struct MatrixSpec: Codable, Sendable, Hashable {
    /// Axis name to its values.
    public var axes: [String: [String]]
    /// Entries removing every combination they match (an entry may name only some axes).
    public var exclude: [[String: String]]
    /// Extra combinations added after the product and exclusions; each names a value for every axis.
    public var include: [[String: String]]

    /// The keys of the JSON object that are not axis names.
    public static let reservedKeys: Set<String> = ["exclude", "include"]

    public init(axes: [String: [String]] = [:], exclude: [[String: String]] = [], include: [[String: String]] = []) {
        self.axes = axes
        self.exclude = exclude
        self.include = include
    }

    /// Axis names in expansion order (sorted).
    public var axisNames: [String] { axes.keys.sorted() }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        var axes: [String: [String]] = [:]
        var exclude: [[String: String]] = []
        var include: [[String: String]] = []
        for key in container.allKeys {
            switch key.stringValue {
            case "exclude": exclude = try container.decode([[String: String]].self, forKey: key)
            case "include": include = try container.decode([[String: String]].self, forKey: key)
            default: axes[key.stringValue] = try container.decode([String].self, forKey: key)
            }
        }
        self.init(axes: axes, exclude: exclude, include: include)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for name in axisNames {
            try container.encode(axes[name] ?? [], forKey: Key(stringValue: name))
        }
        if !exclude.isEmpty { try container.encode(exclude, forKey: Key(stringValue: "exclude")) }
        if !include.isEmpty { try container.encode(include, forKey: Key(stringValue: "include")) }
    }
}
