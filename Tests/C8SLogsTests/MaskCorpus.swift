import Foundation

@testable import C8SLogs

/// The generated masking corpus: secret values, the encodings a build script prints them in (computed here,
/// independently of the masker, mostly with Foundation), and the check that no sink holds a recoverable secret.
enum MaskCorpus {
    /// xorshift64: deterministic values, reproducible failures.
    struct Random {
        var state: UInt64
        init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_./+=:@ &<>'\"")

    /// A printable ASCII value of `length` characters, with markup and shell characters among them.
    static func value(length: Int, random: inout Random) -> String {
        String((0..<length).map { _ in alphabet[random.below(alphabet.count)] })
    }

    /// `text` with `lineBreak` after every `width` characters.
    static func wrap(_ text: String, width: Int, lineBreak: String) -> String {
        let characters = Array(text)
        return stride(from: 0, to: characters.count, by: width)
            .map { String(characters[$0..<min(characters.count, $0 + width)]) }
            .joined(separator: lineBreak)
    }

    /// One way of printing a secret: the printed text, and the part of it that is the secret's alone (what must
    /// not be readable in a sink; for base64 around other bytes, the characters carrying only the secret's bits).
    struct Case: CustomStringConvertible {
        var name: String
        var printed: String
        var core: String
        var description: String { name }
    }

    static func base64(_ bytes: [UInt8], url: Bool, padded: Bool) -> String {
        var text = Data(bytes).base64EncodedString()
        if url { text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_") }
        if !padded { text = text.replacingOccurrences(of: "=", with: "") }
        return text
    }

    static func xmlEscaped(_ value: String) -> String {
        value.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#x27;")
    }

    /// Every case for `secret`.
    static func cases(for secret: String, random: inout Random) -> [Case] {
        let bytes = Array(secret.utf8)
        var out: [Case] = [Case(name: "plain", printed: secret, core: secret)]
        for lineBreak in ["\n", "\r\n"] {
            for cut in Set([1, bytes.count / 2, bytes.count - 1]) where cut > 0 && cut < bytes.count {
                let text = String(secret.prefix(cut)) + lineBreak + String(secret.dropFirst(cut))
                out.append(Case(name: "split at \(cut) by \(lineBreak.debugDescription)", printed: text, core: secret))
            }
        }
        for before in 0..<3 {
            for after in 0..<3 {
                let pre = (0..<before).map { _ in UInt8(random.below(256)) }
                let post = (0..<after).map { _ in UInt8(random.below(256)) }
                for url in [false, true] {
                    let full = base64(pre + bytes + post, url: url, padded: !url)
                    let chars = Array(full)
                    let first = (8 * before + 5) / 6
                    let last = 8 * (before + bytes.count) / 6
                    let core = last > first ? String(chars[first..<last]) : ""
                    let widths = url ? [0, 64] : [0, 76, 64, 60, 17, 1]
                    for width in widths {
                        for lineBreak in width == 0 ? [""] : ["\n", "\r\n"] {
                            let printed = width == 0 ? full : wrap(full, width: width, lineBreak: lineBreak)
                            out.append(
                                Case(
                                    name: "base64\(url ? "url" : "") +\(before)/+\(after) wrap \(width)"
                                        + lineBreak.debugDescription,
                                    printed: printed, core: core))
                        }
                    }
                }
            }
        }
        for upper in [false, true] {
            let hex = bytes.map { String(format: upper ? "%02X" : "%02x", $0) }.joined()
            for width in [0, 60, 32] {
                out.append(
                    Case(
                        name: "hex\(upper ? " upper" : "") wrap \(width)",
                        printed: width == 0 ? hex : wrap(hex, width: width, lineBreak: "\n"), core: hex))
            }
        }
        let json = String(
            decoding: try! JSONSerialization.data(withJSONObject: [secret], options: [.fragmentsAllowed]), as: UTF8.self
        )
        out.append(Case(name: "json", printed: json, core: String(json.dropFirst(2).dropLast(2))))
        let xml = xmlEscaped(secret)
        out.append(Case(name: "xml", printed: xml, core: xml))
        let quoted = secret.replacingOccurrences(of: "'", with: "'\\''")
        out.append(Case(name: "single-quoted", printed: "'\(quoted)'", core: quoted))
        let percent = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        out.append(Case(name: "percent", printed: percent, core: percent))
        return out
    }

    /// A sink may never show this many bytes of a secret's own text in a row: the masker's minimum (a flushed
    /// stream or a line-by-line sink may release fewer just before a line break, before it can know).
    static let leakBound = SecretMasker.minimumLength

    /// The four-byte windows of `core` (line breaks removed), to look for in sinks.
    static func windows(of core: String) -> Set<UInt32> {
        let bytes = Array(core.utf8).filter { $0 != 0x0A && $0 != 0x0D }
        var out = Set<UInt32>()
        guard bytes.count >= leakBound else { return out }
        for i in 0...(bytes.count - leakBound) { out.insert(pack(bytes, i)) }
        return out
    }

    static func pack(_ bytes: [UInt8], _ i: Int) -> UInt32 {
        UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
    }

    /// The first run of ``leakBound`` bytes of the secret's own text (`windows(of: core)`) that `sink` shows,
    /// line breaks removed.
    static func recoverable(_ windows: Set<UInt32>, in sink: String) -> String? {
        let bytes = Array(sink.utf8).filter { $0 != 0x0A && $0 != 0x0D }
        guard bytes.count >= leakBound, !windows.isEmpty else { return nil }
        for i in 0...(bytes.count - leakBound) where windows.contains(pack(bytes, i)) {
            return String(decoding: bytes[i..<(i + leakBound)], as: UTF8.self)
        }
        return nil
    }
}
