/// A Kubernetes resource quantity (`500m`, `1Gi`, `2.5`, `128974848`, `1e3`).
///
/// Parsing is strict: an optional sign, digits with at most one decimal point, then an optional suffix —
/// binary `Ki Mi Gi Ti Pi Ei`, decimal `n u m k M G T P E`, or an exponent `e`/`E` with an optional sign.
/// It is `Codable` as the string it was written as.
public struct Quantity: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The quantity as written.
    public let text: String
    /// The numeric value (`1Gi` is 1073741824, `500m` is 0.5).
    public let value: Double

    /// Parses a quantity; returns `nil` if the text is not one.
    public init?(parsing text: String) {
        guard let value = Self.parse(text) else { return nil }
        self.text = text
        self.value = value
    }

    public var description: String { text }

    private static let suffixes: [String: Double] = [
        "": 1, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
        "Ki": 1024, "Mi": 1_048_576, "Gi": 1_073_741_824, "Ti": 1_099_511_627_776,
        "Pi": 1_125_899_906_842_624, "Ei": 1_152_921_504_606_846_976,
    ]

    private static func parse(_ text: String) -> Double? {
        var rest = Substring(text)
        var sign = 1.0
        if let first = rest.first, first == "+" || first == "-" {
            sign = first == "-" ? -1 : 1
            rest = rest.dropFirst()
        }
        let number = rest.prefix { ($0.isASCII && $0.isNumber) || $0 == "." }
        guard number.contains(where: \.isNumber), number.filter({ $0 == "." }).count <= 1 else { return nil }
        guard let base = Double(number.hasPrefix(".") ? "0" + number : String(number)) else { return nil }
        let suffix = rest.dropFirst(number.count)
        if let multiplier = suffixes[String(suffix)] { return sign * base * multiplier }
        guard let first = suffix.first, first == "e" || first == "E" else { return nil }
        var exponentText = suffix.dropFirst()
        var exponentSign = 1
        if let s = exponentText.first, s == "+" || s == "-" {
            exponentSign = s == "-" ? -1 : 1
            exponentText = exponentText.dropFirst()
        }
        guard !exponentText.isEmpty, exponentText.allSatisfy({ $0.isASCII && $0.isNumber }),
            let exponent = Int(exponentText), exponent <= 308
        else { return nil }
        return sign * base * pow10(exponentSign * exponent)
    }

    private static func pow10(_ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<abs(exponent) { result *= 10 }
        return exponent < 0 ? 1 / result : result
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text: String
        if let string = try? container.decode(String.self) {
            text = string
        } else if let int = try? container.decode(Int64.self) {
            text = String(int)
        } else {
            text = String(try container.decode(Double.self))
        }
        guard let parsed = Quantity(parsing: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "invalid quantity \"\(text)\"")
            )
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
