/// A Go-style duration (`90s`, `10m`, `1h30m`, `1.5h`, `300ms`), as used by `timeout` fields.
///
/// Parsing is strict: one or more `<number><unit>` pairs with units `ns`, `us` (or `µs`), `ms`, `s`, `m`, `h`;
/// no sign, no spaces, no bare numbers other than `0`. It is `Codable` as its canonical string form
/// (`1h30m`, `1m30s`, `0s`).
public struct PipelineDuration: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Length in nanoseconds.
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// A duration of whole seconds.
    public static func seconds(_ seconds: Int64) -> PipelineDuration {
        PipelineDuration(nanoseconds: seconds * 1_000_000_000)
    }

    /// Length in seconds.
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    /// The standard library duration of the same length.
    public var swiftDuration: Swift.Duration { .nanoseconds(nanoseconds) }

    /// Parses a Go-style duration string; returns `nil` if it is not one.
    public init?(parsing text: String) {
        guard let value = Self.parse(text) else { return nil }
        self.nanoseconds = value
    }

    private static let units: [(String, Int64)] = [
        ("ns", 1), ("us", 1_000), ("µs", 1_000), ("ms", 1_000_000),
        ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000),
    ]

    private static func parse(_ text: String) -> Int64? {
        if text == "0" { return 0 }
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        var total: Int64 = 0
        while !rest.isEmpty {
            let whole = rest.prefix { $0.isASCII && $0.isNumber }
            rest = rest.dropFirst(whole.count)
            var fraction: Substring = ""
            if rest.first == "." {
                rest = rest.dropFirst()
                fraction = rest.prefix { $0.isASCII && $0.isNumber }
                rest = rest.dropFirst(fraction.count)
            }
            guard !whole.isEmpty || !fraction.isEmpty else { return nil }
            let unitText = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            guard let unit = units.first(where: { $0.0 == unitText })?.1 else { return nil }
            rest = rest.dropFirst(unitText.count)
            guard let wholeValue = Int64(whole.isEmpty ? "0" : whole) else { return nil }
            let (product, overflow) = wholeValue.multipliedReportingOverflow(by: unit)
            guard !overflow else { return nil }
            var part = product
            if !fraction.isEmpty {
                var scale = Double(unit)
                var fractionValue = 0.0
                for digit in fraction {
                    scale /= 10
                    fractionValue += Double(digit.wholeNumberValue ?? 0) * scale
                }
                part += Int64(fractionValue.rounded())
            }
            let (sum, sumOverflow) = total.addingReportingOverflow(part)
            guard !sumOverflow else { return nil }
            total = sum
        }
        return total
    }

    /// Canonical form: `1h30m`, `1m30s`, `1.5s`, `300ms`, `0s`.
    public var description: String {
        if nanoseconds == 0 { return "0s" }
        var rest = nanoseconds
        var text = rest < 0 ? "-" : ""
        rest = rest.magnitude > Int64.max.magnitude ? Int64.max : abs(rest)
        if rest < 1_000_000_000 {
            if rest % 1_000_000 == 0 { return text + "\(rest / 1_000_000)ms" }
            if rest % 1_000 == 0 { return text + "\(rest / 1_000)us" }
            return text + "\(rest)ns"
        }
        let hours = rest / 3_600_000_000_000
        rest %= 3_600_000_000_000
        let minutes = rest / 60_000_000_000
        rest %= 60_000_000_000
        if hours > 0 { text += "\(hours)h" }
        if minutes > 0 { text += "\(minutes)m" }
        if rest > 0 {
            let secs = rest / 1_000_000_000
            var sub = rest % 1_000_000_000
            if sub == 0 {
                text += "\(secs)s"
            } else {
                var digits = 9
                while sub % 10 == 0 {
                    sub /= 10
                    digits -= 1
                }
                let padded = String(repeating: "0", count: digits - String(sub).count) + String(sub)
                text += "\(secs).\(padded)s"
            }
        }
        return text
    }

    public static func < (lhs: PipelineDuration, rhs: PipelineDuration) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self.parse(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "invalid duration \"\(text)\"")
            )
        }
        nanoseconds = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension PipelineSpec {
    /// The Go-style duration of `timeout` fields (``PipelineDuration``), under the name the pipeline model uses.
    public typealias Duration = PipelineDuration
}
