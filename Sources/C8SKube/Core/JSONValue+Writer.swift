/// The one JSON writer of c8s: compact text, object keys sorted so output is deterministic.
extension JSONValue {
    /// How text is escaped beyond what JSON requires.
    public struct WritingOptions: Sendable, Hashable {
        /// Writes `<`, `>` and `&` as `\u003c`, `\u003e`, `\u0026`, as Go's `encoding/json` (and so the Kubernetes API
        /// server) does, so the text is safe inside HTML.
        public var escapesHTML: Bool

        /// Creates options.
        public init(escapesHTML: Bool = false) {
            self.escapesHTML = escapesHTML
        }
    }

    /// Compact JSON text with sorted keys. An integral double below 10^15 is written as an integer; a number that is
    /// not finite (JSON has none) is written as `null`.
    public func serialized(options: WritingOptions = .init()) -> String {
        var out = ""
        out.reserveCapacity(256)
        write(into: &out, options: options)
        return out
    }

    /// Compact JSON text with sorted keys (see ``serialized(options:)``).
    public var serialized: String { serialized() }

    /// Compact JSON bytes with sorted keys.
    public var serializedBytes: [UInt8] { Array(serialized.utf8) }

    /// `text` as a JSON string literal, quotes included.
    public static func quoted(_ text: String, options: WritingOptions = .init()) -> String {
        var out = ""
        writeString(text, into: &out, options: options)
        return out
    }

    /// Semantic equality: numbers compare by value (1 == 1.0), objects ignore key order.
    public func jsonEquals(_ other: JSONValue) -> Bool {
        switch (self, other) {
        case (.int, .double), (.double, .int), (.double, .double), (.int, .int):
            return doubleValue == other.doubleValue
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.jsonEquals($1) }
        case (.object(let a), .object(let b)):
            return a.count == b.count && a.allSatisfy { key, value in b[key].map { value.jsonEquals($0) } ?? false }
        default:
            return self == other
        }
    }

    /// Writes the value. Recursion follows the value's own nesting, which every parser of c8s bounds on the way in.
    private func write(into out: inout String, options: WritingOptions) {
        switch self {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .int(let number): out += String(number)
        case .double(let number):
            if number.isFinite, number.rounded() == number, abs(number) < 1e15 {
                out += String(Int64(number))
            } else if number.isFinite {
                out += "\(number)"
            } else {
                out += "null"
            }
        case .string(let text): Self.writeString(text, into: &out, options: options)
        case .array(let elements):
            out += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { out += "," }
                element.write(into: &out, options: options)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                Self.writeString(key, into: &out, options: options)
                out += ":"
                members[key]!.write(into: &out, options: options)
            }
            out += "}"
        }
    }

    private static let hexDigits = Array("0123456789abcdef".unicodeScalars)

    private static func writeString(_ text: String, into out: inout String, options: WritingOptions) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<" where options.escapesHTML: out += "\\u003c"
            case ">" where options.escapesHTML: out += "\\u003e"
            case "&" where options.escapesHTML: out += "\\u0026"
            default:
                if scalar.value < 0x20 {
                    out += "\\u00"
                    out.unicodeScalars.append(hexDigits[Int(scalar.value >> 4)])
                    out.unicodeScalars.append(hexDigits[Int(scalar.value & 0xF)])
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
