extension SecretEncodings {
    /// XML and HTML escaping of `&`, `<`, `>`, `"` and `'`, as the common escapers write it: named entities with
    /// `&apos;` (XML), with `&#39;` and `&#34;` (Go's `html.EscapeString`) or `&#x27;` (Python's `html.escape`),
    /// only `&<>` escaped (text content), and every one of the five as a decimal or hexadecimal (lower and upper
    /// case) character reference. Values without any of the five give the value itself (the caller deduplicates).
    static func markupForms(_ value: [UInt8]) -> [[UInt8]] {
        let special: Set<UInt8> = [0x26, 0x3C, 0x3E, 0x22, 0x27]
        guard value.contains(where: special.contains) else { return [] }
        let named: [UInt8: String] = [0x26: "&amp;", 0x3C: "&lt;", 0x3E: "&gt;", 0x22: "&quot;", 0x27: "&apos;"]
        func escaped(_ table: (UInt8) -> String?) -> [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(value.count + 16)
            for b in value {
                if let entity = table(b) { out.append(contentsOf: entity.utf8) } else { out.append(b) }
            }
            return out
        }
        func decimal(_ b: UInt8) -> String { "&#\(b);" }
        func hex(_ b: UInt8, upper: Bool) -> String {
            let digits = String(b, radix: 16, uppercase: upper)
            return "&#x\(digits);"
        }
        return [
            escaped { named[$0] },
            escaped { $0 == 0x27 ? "&#39;" : named[$0] },
            escaped { $0 == 0x27 ? "&#39;" : $0 == 0x22 ? "&#34;" : named[$0] },
            escaped { $0 == 0x27 ? "&#x27;" : $0 == 0x22 ? "&#34;" : named[$0] },
            escaped { $0 == 0x27 ? "&#x27;" : named[$0] },
            escaped { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E ? named[$0] : nil },
            escaped { special.contains($0) ? decimal($0) : nil },
            escaped { special.contains($0) ? hex($0, upper: false) : nil },
            escaped { special.contains($0) ? hex($0, upper: true) : nil },
        ]
    }

    /// Shell-quoted forms: bash's `printf %q` (a backslash before each character the shell would interpret, with
    /// and without `,` and `=`), the inside of a single-quoted word (`'` written as `'\''` or `'"'"'`), and the
    /// inside of a double-quoted word (`\` before `"`, `\`, `$` and `` ` ``).
    static func shellForms(_ value: [UInt8]) -> [[UInt8]] {
        // bash's sh_backslash_quote: blanks and the characters special to the shell; `~` and `#` only first.
        let always = Set(" \t'\"\\|&;()<>!{}*[?]^$`".utf8)
        func backslashed(_ extra: Set<UInt8>) -> [UInt8] {
            var out: [UInt8] = []
            for (i, b) in value.enumerated() {
                if always.contains(b) || extra.contains(b) || (i == 0 && (b == 0x7E || b == 0x23)) {
                    out.append(0x5C)
                }
                out.append(b)
            }
            return out
        }
        func replacingQuote(_ with: String) -> [UInt8] {
            var out: [UInt8] = []
            for b in value {
                if b == 0x27 { out.append(contentsOf: with.utf8) } else { out.append(b) }
            }
            return out
        }
        var doubleQuoted: [UInt8] = []
        for b in value {
            if b == 0x22 || b == 0x5C || b == 0x24 || b == 0x60 { doubleQuoted.append(0x5C) }
            doubleQuoted.append(b)
        }
        return [
            backslashed([]),
            backslashed([0x2C]),
            backslashed([0x2C, 0x3D]),
            replacingQuote("'\\''"),
            replacingQuote("'\"'\"'"),
            doubleQuoted,
        ]
    }
}
