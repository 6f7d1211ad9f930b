/// Finds the lines of a log that contain a text, with context: a pure state machine fed one line at a time, in
/// line order, that emits each match once its following context is complete. Memory is bounded by `context`
/// (lines kept before a match) and by the matches still waiting for their following lines (at most `context + 1`).
///
/// Matching is on the line without ANSI escapes; `caseSensitive: false` folds ASCII letters.
struct LogSearch: Sendable {
    /// The longest query accepted, in bytes.
    static let maximumQueryBytes = 256
    /// The most context lines asked for on each side.
    static let maximumContext = 10
    /// Text of a returned line beyond this many bytes is cut.
    static let maximumLineBytes = 2048

    struct Line: Sendable, Hashable {
        var number: Int64
        var text: String
    }

    struct Match: Sendable, Hashable {
        var line: Line
        var before: [Line]
        var after: [Line]
    }

    let needle: [UInt8]
    let caseSensitive: Bool
    let context: Int
    private var recent: [Line] = []
    private var waiting: [Match] = []

    init(query: String, caseSensitive: Bool, context: Int) {
        self.caseSensitive = caseSensitive
        self.context = max(0, min(context, Self.maximumContext))
        needle = caseSensitive ? Array(query.utf8) : Array(query.utf8).map(Self.fold)
    }

    /// Feeds the next line; returns the matches whose context is now complete.
    mutating func feed(number: Int64, text: String) -> [Match] {
        let plain = ANSIRenderer.plain(text)
        let line = Line(number: number, text: Self.cut(plain))
        var done: [Match] = []
        if !waiting.isEmpty {
            for index in waiting.indices { waiting[index].after.append(line) }
            while let first = waiting.first, first.after.count >= context {
                done.append(first)
                waiting.removeFirst()
            }
        }
        if contains(plain) {
            let match = Match(line: line, before: recent, after: [])
            if context == 0 { done.append(match) } else { waiting.append(match) }
        }
        if context > 0 {
            recent.append(line)
            if recent.count > context { recent.removeFirst(recent.count - context) }
        }
        return done
    }

    /// The matches still waiting for following lines (the log ended).
    mutating func finish() -> [Match] {
        defer { waiting = [] }
        return waiting
    }

    /// Whether `text` contains the needle.
    func contains(_ text: String) -> Bool {
        guard !needle.isEmpty else { return false }
        var text = text
        return text.withUTF8 { search($0) }
    }

    private func search(_ haystack: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = needle.count
        guard haystack.count >= count else { return false }
        let first = needle[0]
        var index = 0
        let last = haystack.count - count
        while index <= last {
            let byte = caseSensitive ? haystack[index] : Self.fold(haystack[index])
            if byte == first {
                var offset = 1
                while offset < count {
                    let next = caseSensitive ? haystack[index + offset] : Self.fold(haystack[index + offset])
                    if next != needle[offset] { break }
                    offset += 1
                }
                if offset == count { return true }
            }
            index += 1
        }
        return false
    }

    static func fold(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }

    static func cut(_ text: String) -> String {
        guard text.utf8.count > maximumLineBytes else { return text }
        var end = text.utf8.index(text.utf8.startIndex, offsetBy: maximumLineBytes)
        while end > text.utf8.startIndex, text.utf8[end] & 0xC0 == 0x80 { end = text.utf8.index(before: end) }
        return String(text[..<end]) + "…"
    }
}
