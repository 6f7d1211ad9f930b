#if canImport(Glibc)
import Glibc
#endif

/// Masks secret values in log text: one Aho-Corasick automaton over bytes for every form of every secret (see
/// ``init(secrets:)``), each masked region (the union of overlapping or touching matches) replaced by `***`.
///
/// Line breaks are transparent: CR and LF bytes are skipped while matching, so a form wrapped at any width or split
/// by a line break matches whole, and a multi-line secret matches however its lines end. A masked region that spans
/// line breaks keeps them: each of its lines becomes `***`, so the number of lines never changes.
///
/// A pure `Sendable` value: share one masker between tasks. ``mask(_:)-(String)`` masks one self-contained text;
/// ``Stream`` masks text that arrives in pieces (a secret split across two writes, two feeds or two lines is still
/// masked), and ``Stream/maskLine(_:)`` masks a sequence of log lines.
public struct SecretMasker: Sendable {
    /// A secret to mask: a name to report it by (never logged with its value) and the value.
    public struct Secret: Sendable, Hashable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The text that replaces each masked region.
    public static let replacement = "***"
    /// Secrets (and lines of multi-line secrets) shorter than this many characters are not masked.
    public static let minimumLength = 4

    let automaton: MaskAutomaton
    /// The distinct byte patterns, sorted (for baselines such as `grep -F -f`).
    package let patterns: [[UInt8]]
    /// The secrets masked, to tell which one a text holds (``secretNames(foundIn:)``).
    let secrets: [Secret]
    /// Secrets, or lines of them, that are not masked and why; print them for the user (no values inside).
    public let warnings: [SecretMaskingWarning]

    /// Number of distinct byte patterns the masker searches for.
    public var patternCount: Int { automaton.patternCount }

    /// Builds the masker. For each secret (every value given, duplicates of a name included) it masks the plain
    /// value and its base64 (standard and URL-safe alphabets, value preceded by 0, 1 or 2 bytes: the stable inner
    /// part, padded and unpadded endings), percent-encoded, JSON-escaped (short and `\u` escapes), hex (lower and
    /// upper case), XML/HTML-escaped (named and numeric entities) and shell-quoted forms. A multi-line secret is
    /// masked as a whole (its line breaks, `\n` or `\r\n`, are skipped like any other) and line by line (every
    /// line of at least ``minimumLength`` characters, in all its forms). A secret shorter than ``minimumLength``
    /// characters is refused with a warning in ``warnings``; so is a short line of a multi-line secret.
    public init(secrets: [Secret]) {
        var warnings: [SecretMaskingWarning] = []
        var patterns = Set<[UInt8]>()
        func add(_ forms: [[UInt8]]) {
            for var f in forms {
                f.removeAll { $0 == 0x0A || $0 == 0x0D }
                if f.count >= Self.minimumLength { patterns.insert(f) }
            }
        }
        for secret in secrets {
            let value = Array(secret.value.utf8)
            guard secret.value.trimmingNewlines.count >= Self.minimumLength else {
                warnings.append(.tooShort(secretName: secret.name))
                continue
            }
            add(SecretEncodings.forms(of: value))
            if value.contains(0x0A) || value.contains(0x0D) {
                let lines = value.split(omittingEmptySubsequences: false, whereSeparator: { $0 == 0x0A || $0 == 0x0D })
                for (index, line) in lines.enumerated() where !line.isEmpty {
                    if String(decoding: line, as: UTF8.self).count < Self.minimumLength {
                        warnings.append(.lineTooShort(secretName: secret.name, line: index + 1))
                    } else {
                        add(SecretEncodings.forms(of: Array(line)))
                    }
                }
            }
        }
        // deterministic order, so equal secrets build equal automata
        let sorted = patterns.sorted { $0.lexicographicallyPrecedes($1) }
        self.automaton = MaskAutomaton(patterns: sorted)
        self.patterns = sorted
        self.warnings = warnings
        self.secrets = secrets
    }

    /// The names of the secrets some form of which `bytes` holds (sorted, each once), for reporting a file that
    /// holds one without changing it. Never the values.
    public func secretNames(foundIn bytes: [UInt8]) -> [String] {
        guard bytes.withUnsafeBufferPointer({ mask($0) }) != nil else { return [] }
        let byName = Dictionary(grouping: secrets, by: \.name)
        return byName.keys.sorted().filter { name in
            let one = SecretMasker(secrets: byName[name]!)
            return bytes.withUnsafeBufferPointer { one.mask($0) } != nil
        }
    }

    /// The secrets refused as a whole (shorter than ``minimumLength``): a run must not start with them.
    public var refusedSecretNames: [String] {
        warnings.filter(\.refusesWholeSecret).map(\.secretName)
    }

    /// `text` with every secret form replaced by `***`; returns `text` itself (no copy) when nothing matches.
    public func mask(_ text: String) -> String {
        var text = text
        return text.withUTF8 { utf8 in
            guard let masked = mask(utf8) else { return nil }
            return String(decoding: masked, as: UTF8.self)
        } ?? text
    }

    /// The record with its text masked.
    public func mask(_ record: LogRecord) -> LogRecord {
        var record = record
        record.text = mask(record.text)
        return record
    }

    /// The masked bytes, or `nil` when nothing matches. The text is self-contained: a form cut off at its end is
    /// not masked (a ``Stream`` masks text that continues).
    public func mask(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard automaton.patternCount > 0, let base = bytes.baseAddress, !bytes.isEmpty else { return nil }
        if memchr(base, 0x0A, bytes.count) != nil || memchr(base, 0x0D, bytes.count) != nil {
            var stream = makeStream()
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            stream.feed(bytes, into: &out)
            stream.finish(into: &out)
            return stream.maskedAny ? out : nil
        }
        var intervals = MaskIntervals()
        _ = automaton.scan(bytes, from: 0, base: 0) { intervals.add($0, $1) }
        if intervals.isEmpty { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var cursor = 0
        for (s, e) in zip(intervals.starts, intervals.ends) {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[cursor..<s]))
            out.append(contentsOf: Self.replacementBytes)
            cursor = e
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[cursor...]))
        return out
    }

    static let replacementBytes: [UInt8] = Array(replacement.utf8)
}

extension String {
    fileprivate var trimmingNewlines: Substring {
        var s = Substring(self)
        while let c = s.first, c.isNewline { s.removeFirst() }
        while let c = s.last, c.isNewline { s.removeLast() }
        return s
    }
}
