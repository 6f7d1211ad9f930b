/// The forms in which a secret value can show up in a log: the plain bytes, base64 (standard and URL-safe, at
/// each of the three alignments, stable inner part plus padded and unpadded endings), percent-encoding,
/// JSON escaping (short escapes and `\u` escapes), hex, XML/HTML entities and shell quoting (see
/// `SecretEncodings+Quoting.swift`).
///
/// Line breaks inside a form do not matter: the masker skips CR and LF bytes while matching, so a form wrapped at
/// any width (`base64` at 76 columns, PEM at 64, `xxd -p` at 60) or split by a line break still matches whole.
enum SecretEncodings {
    static let base64Standard = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    static let base64URL = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    static let hexLower = Array("0123456789abcdef".utf8)
    static let hexUpper = Array("0123456789ABCDEF".utf8)

    /// Every form of `value` (duplicates possible; the caller deduplicates and drops short ones).
    static func forms(of value: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = [value]
        for alphabet in [base64Standard, base64URL] {
            for k in 0..<3 { out.append(contentsOf: base64(value, prefix: k, alphabet: alphabet)) }
        }
        out.append(percent(value, upper: true, plusForSpace: false))
        out.append(percent(value, upper: false, plusForSpace: false))
        out.append(percent(value, upper: true, plusForSpace: true))
        out.append(percent(value, upper: true, plusForSpace: false, keepUnreserved: false))
        out.append(percent(value, upper: false, plusForSpace: false, keepUnreserved: false))
        for upperHex in [false, true] {
            for (nonASCII, markup) in [(false, false), (true, false), (true, true), (false, true)] {
                out.append(
                    json(value, escapeSlash: false, escapeNonASCII: nonASCII, escapeMarkup: markup, upperHex: upperHex))
            }
        }
        out.append(json(value, escapeSlash: true, escapeNonASCII: false, escapeMarkup: false))
        out.append(jsonUnicodeEverything(value, upperHex: false))
        out.append(jsonUnicodeEverything(value, upperHex: true))
        out.append(hex(value, hexLower))
        out.append(hex(value, hexUpper))
        out.append(contentsOf: markupForms(value))
        out.append(contentsOf: shellForms(value))
        return out
    }

    static func encodeBase64(_ data: [UInt8], alphabet: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity((data.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= data.count {
            let v = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2])
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(alphabet[Int(v >> 6 & 63)])
            out.append(alphabet[Int(v & 63)])
            i += 3
        }
        let rest = data.count - i
        if rest == 1 {
            let v = UInt32(data[i]) << 16
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(contentsOf: [0x3D, 0x3D])
        } else if rest == 2 {
            let v = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(alphabet[Int(v >> 6 & 63)])
            out.append(0x3D)
        }
        return out
    }

    /// The base64 characters determined by `value` alone when `prefix` unknown bytes precede it: the stable inner
    /// part (whatever follows), and the ending when the value ends the data, padded and unpadded.
    static func base64(_ value: [UInt8], prefix: Int, alphabet: [UInt8]) -> [[UInt8]] {
        let full = encodeBase64([UInt8](repeating: 0, count: prefix) + value, alphabet: alphabet)
        let first = (8 * prefix + 5) / 6
        let innerEnd = (8 * (prefix + value.count)) / 6
        guard innerEnd > first else { return [] }
        let inner = Array(full[first..<innerEnd])
        let padded = Array(full[first...])
        var unpadded = padded
        while unpadded.last == 0x3D { unpadded.removeLast() }
        return [inner, padded, unpadded]
    }

    /// Percent-encoding keeping RFC 3986 unreserved characters, or (`keepUnreserved: false`) letters and digits only.
    static func percent(_ value: [UInt8], upper: Bool, plusForSpace: Bool, keepUnreserved: Bool = true) -> [UInt8] {
        let digits = upper ? hexUpper : hexLower
        var out: [UInt8] = []
        for b in value {
            switch b {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39:
                out.append(b)
            case 0x2D where keepUnreserved, 0x2E where keepUnreserved, 0x5F where keepUnreserved,
                0x7E where keepUnreserved:
                out.append(b)
            case 0x20 where plusForSpace:
                out.append(0x2B)
            default:
                out.append(0x25)
                out.append(digits[Int(b >> 4)])
                out.append(digits[Int(b & 15)])
            }
        }
        return out
    }

    /// JSON string escaping: the short escapes, `\u` for other control characters; `escapeNonASCII` escapes
    /// everything beyond ASCII as UTF-16 units (Python's `ensure_ascii`), `escapeMarkup` `<`, `>` and `&` (Go's
    /// encoder); `upperHex` writes `\u00E9` rather than `\u00e9`.
    static func json(
        _ value: [UInt8], escapeSlash: Bool, escapeNonASCII: Bool, escapeMarkup: Bool, upperHex: Bool = false
    ) -> [UInt8] {
        var out: [UInt8] = []
        let digits = upperHex ? hexUpper : hexLower
        func unicodeEscape(_ unit: UInt16) {
            out.append(contentsOf: [0x5C, 0x75])
            for shift in stride(from: 12, through: 0, by: -4) { out.append(digits[Int(unit >> UInt16(shift) & 15)]) }
        }
        for scalar in String(decoding: value, as: UTF8.self).unicodeScalars {
            switch scalar {
            case "\"": out.append(contentsOf: [0x5C, 0x22])
            case "\\": out.append(contentsOf: [0x5C, 0x5C])
            case "\n": out.append(contentsOf: [0x5C, 0x6E])
            case "\r": out.append(contentsOf: [0x5C, 0x72])
            case "\t": out.append(contentsOf: [0x5C, 0x74])
            case "\u{08}": out.append(contentsOf: [0x5C, 0x62])
            case "\u{0C}": out.append(contentsOf: [0x5C, 0x66])
            case "/" where escapeSlash: out.append(contentsOf: [0x5C, 0x2F])
            case "<" where escapeMarkup, ">" where escapeMarkup, "&" where escapeMarkup:
                unicodeEscape(UInt16(scalar.value))
            default:
                if scalar.value < 0x20 {
                    unicodeEscape(UInt16(scalar.value))
                } else if escapeNonASCII && scalar.value > 0x7E {
                    for unit in String(scalar).utf16 { unicodeEscape(unit) }
                } else {
                    out.append(contentsOf: String(scalar).utf8)
                }
            }
        }
        return out
    }

    /// Every character as a `\u` escape (UTF-16 units), as obfuscating encoders write it.
    static func jsonUnicodeEverything(_ value: [UInt8], upperHex: Bool) -> [UInt8] {
        let digits = upperHex ? hexUpper : hexLower
        var out: [UInt8] = []
        for unit in String(decoding: value, as: UTF8.self).utf16 {
            out.append(contentsOf: [0x5C, 0x75])
            for shift in stride(from: 12, through: 0, by: -4) { out.append(digits[Int(unit >> UInt16(shift) & 15)]) }
        }
        return out
    }

    static func hex(_ value: [UInt8], _ digits: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(value.count * 2)
        for b in value {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return out
    }
}
