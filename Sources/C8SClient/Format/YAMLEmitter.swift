import C8SKube
import Foundation

/// Writes a JSON value as block-style YAML, the way `kubectl get -o yaml` lays objects out: mapping keys sorted,
/// sequence items at the indentation of their key, strings quoted only when YAML would read them as something
/// else. Every output reads back as the same value with any YAML 1.2 (and 1.1) parser.
public enum YAMLEmitter {
    /// The YAML document of `value`, ending with a newline.
    public static func emit(_ value: JSONValue) -> String {
        var out = ""
        switch value {
        case .object(let members) where !members.isEmpty:
            writeMapping(members, indent: 0, into: &out)
        case .array(let items) where !items.isEmpty:
            writeSequence(items, indent: 0, into: &out)
        default:
            out = scalar(value) + "\n"
        }
        return out
    }

    private static func writeMapping(_ members: [String: JSONValue], indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        for key in members.keys.sorted() {
            let value = members[key]!
            out += pad + quote(key) + ":"
            switch value {
            case .object(let nested) where !nested.isEmpty:
                out += "\n"
                writeMapping(nested, indent: indent + 2, into: &out)
            case .array(let items) where !items.isEmpty:
                out += "\n"
                writeSequence(items, indent: indent, into: &out)
            default:
                out += " " + scalar(value) + "\n"
            }
        }
    }

    private static func writeSequence(_ items: [JSONValue], indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        for item in items {
            switch item {
            case .object(let members) where !members.isEmpty:
                // The first key shares the line of the dash; the others align with it.
                var nested = ""
                writeMapping(members, indent: indent + 2, into: &nested)
                out += pad + "- " + nested.dropFirst(indent + 2)
            case .array(let inner) where !inner.isEmpty:
                out += pad + "-\n"
                writeSequence(inner, indent: indent + 2, into: &out)
            default:
                out += pad + "- " + scalar(item) + "\n"
            }
        }
    }

    /// A scalar (or an empty collection) in flow form.
    static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .double(let number):
            if number.isNaN { return ".nan" }
            if number.isInfinite { return number < 0 ? "-.inf" : ".inf" }
            if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) + ".0" }
            return String(number)
        case .string(let text): return quote(text)
        case .object: return "{}"
        case .array: return "[]"
        }
    }

    /// A string, plain when that reads back as the same string, else double-quoted with JSON escapes.
    static func quote(_ text: String) -> String {
        needsQuotes(text) ? doubleQuoted(text) : text
    }

    private static let reserved: Set<String> = [
        "null", "Null", "NULL", "~", "true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes", "YES", "no",
        "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N", ".inf", ".Inf", ".INF", "-.inf",
        "+.inf", ".nan", ".NaN", ".NAN", "<<", "=",
    ]

    static func needsQuotes(_ text: String) -> Bool {
        guard let first = text.first, let last = text.last else { return true }
        if reserved.contains(text) { return true }
        if first == " " || last == " " || first == "\t" || last == "\t" { return true }
        if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
            // "-x" and ":x" are plain in block context, but keep it simple and safe.
            return true
        }
        if text.contains(": ") || text.contains(" #") || text.hasSuffix(":") { return true }
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x85 || scalar.value == 0x2028
                || scalar.value == 0x2029 || scalar.value == 0xFEFF
            {
                return true
            }
        }
        // Anything that looks like a number, a date or a sexagesimal number reads as one somewhere.
        if first.isNumber || first == "." || first == "+" {
            let numeric = text.allSatisfy { $0.isNumber || "._:+- eExXoObBabcdefABCDEFTZtz".contains($0) }
            if numeric { return true }
        }
        return false
    }

    private static func doubleQuoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x85 || scalar.value == 0x2028
                    || scalar.value == 0x2029 || scalar.value == 0xFEFF
                {
                    out += String(format: "\\u%04X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
