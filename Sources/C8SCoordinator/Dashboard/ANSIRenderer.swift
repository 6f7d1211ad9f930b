/// Turns one log line with ANSI escape sequences into escaped HTML: SGR colours (the 16 basic ones, the 256-colour
/// palette; 24-bit colours to the nearest palette entry), bold, dim, italic, underline and reset become
/// `<span class="…">` (classes, never inline styles: the dashboard's Content-Security-Policy forbids them); every
/// other escape sequence and control character is dropped; text is HTML-escaped.
///
/// A pure function of the line: the same state machine also strips the escapes (``plain(_:)``) for search.
struct ANSIRenderer: Sendable {
    /// The longest escape sequence recognised; a longer one is dropped up to this length and the rest is text.
    static let maximumSequenceLength = 64
    /// SGR parameters beyond this many in one sequence are ignored.
    static let maximumParameters = 16

    /// The text attributes in force.
    struct Style: Sendable, Hashable {
        var foreground: Int?
        var background: Int?
        var bold = false
        var dim = false
        var italic = false
        var underline = false

        var isPlain: Bool { self == Style() }

        var classes: String {
            var names: [String] = []
            if let foreground { names.append("f\(foreground)") }
            if let background { names.append("b\(background)") }
            if bold { names.append("ab") }
            if dim { names.append("ad") }
            if italic { names.append("ai") }
            if underline { names.append("au") }
            return names.joined(separator: " ")
        }

        /// Applies the parameters of one `ESC [ … m`.
        mutating func apply(_ parameters: [Int]) {
            var parameters = parameters.isEmpty ? [0] : parameters
            if parameters.count > ANSIRenderer.maximumParameters {
                parameters = Array(parameters.prefix(ANSIRenderer.maximumParameters))
            }
            var index = 0
            while index < parameters.count {
                let code = parameters[index]
                index += 1
                switch code {
                case 0: self = Style()
                case 1: bold = true
                case 2: dim = true
                case 3: italic = true
                case 4: underline = true
                case 22:
                    bold = false
                    dim = false
                case 23: italic = false
                case 24: underline = false
                case 30...37: foreground = code - 30
                case 90...97: foreground = code - 90 + 8
                case 39: foreground = nil
                case 40...47: background = code - 40
                case 100...107: background = code - 100 + 8
                case 49: background = nil
                case 38, 48:
                    guard index < parameters.count else { return }
                    var colour: Int?
                    if parameters[index] == 5, index + 1 < parameters.count {
                        let value = parameters[index + 1]
                        colour = (0...255).contains(value) ? value : nil
                        index += 2
                    } else if parameters[index] == 2, index + 3 < parameters.count {
                        colour = Self.nearest(
                            red: parameters[index + 1], green: parameters[index + 2], blue: parameters[index + 3])
                        index += 4
                    } else {
                        return
                    }
                    if code == 38 { foreground = colour } else { background = colour }
                default: continue
                }
            }
        }

        /// The palette entry of the 6×6×6 cube nearest to a 24-bit colour.
        static func nearest(red: Int, green: Int, blue: Int) -> Int {
            func level(_ value: Int) -> Int {
                let clamped = Swift.min(255, Swift.max(0, value))
                return clamped < 48 ? 0 : clamped < 115 ? 1 : (clamped - 35) / 40
            }
            return 16 + 36 * level(red) + 6 * level(green) + level(blue)
        }
    }

    /// The line as escaped HTML.
    static func html(_ line: String) -> String {
        var output = ""
        output.reserveCapacity(line.utf8.count + 16)
        var style = Style()
        var open = false
        walk(line) { piece in
            switch piece {
            case .text(let text):
                output += HTML.escape(String(text))
            case .sgr(let parameters):
                var next = style
                next.apply(parameters)
                guard next != style else { return }
                if open { output += "</span>" }
                style = next
                open = !style.isPlain
                if open { output += "<span class=\"\(style.classes)\">" }
            }
        }
        if open { output += "</span>" }
        return output
    }

    /// The line without escape sequences and control characters.
    static func plain(_ line: String) -> String {
        guard line.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }) else { return line }
        var output = ""
        walk(line) { piece in
            if case .text(let text) = piece { output += text }
        }
        return output
    }

    enum Piece {
        case text(Substring)
        case sgr([Int])
    }

    /// Splits a line into text and SGR sequences, dropping other sequences and control characters (tab stays).
    static func walk(_ line: String, _ body: (Piece) -> Void) {
        let bytes = Array(line.utf8)
        var textStart = 0
        var index = 0
        func flush(_ end: Int) {
            if end > textStart {
                body(.text(Substring(String(decoding: bytes[textStart..<end], as: UTF8.self))))
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x1b {
                flush(index)
                index = skipEscape(bytes, from: index, body)
                textStart = index
            } else if (byte < 0x20 && byte != 0x09) || byte == 0x7f {
                flush(index)
                index += 1
                textStart = index
            } else {
                index += 1
            }
        }
        flush(bytes.count)
    }

    /// Consumes one escape sequence starting at `start` (an ESC); reports it when it is SGR; returns where text
    /// resumes.
    private static func skipEscape(_ bytes: [UInt8], from start: Int, _ body: (Piece) -> Void) -> Int {
        var index = start + 1
        guard index < bytes.count else { return index }
        let limit = Swift.min(bytes.count, start + maximumSequenceLength)
        switch bytes[index] {
        case UInt8(ascii: "["):  // CSI: parameters 0x30-0x3F, intermediates 0x20-0x2F, final 0x40-0x7E
            index += 1
            let parametersStart = index
            while index < limit, (0x20...0x3f).contains(bytes[index]) { index += 1 }
            guard index < limit, (0x40...0x7e).contains(bytes[index]) else { return index }
            if bytes[index] == UInt8(ascii: "m") {
                body(.sgr(parameters(bytes[parametersStart..<index])))
            }
            return index + 1
        case UInt8(ascii: "]"):  // OSC: up to BEL or ESC \
            index += 1
            while index < limit {
                if bytes[index] == 0x07 { return index + 1 }
                if bytes[index] == 0x1b, index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\\") {
                    return index + 2
                }
                index += 1
            }
            return index
        default:
            return index + 1
        }
    }

    private static func parameters(_ bytes: ArraySlice<UInt8>) -> [Int] {
        var result: [Int] = []
        var current = 0
        var digits = 0
        for byte in bytes {
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                if digits < 4 { current = current * 10 + Int(byte - UInt8(ascii: "0")) }
                digits += 1
            } else if byte == UInt8(ascii: ";") || byte == UInt8(ascii: ":") {
                result.append(current)
                current = 0
                digits = 0
                if result.count > maximumParameters { return result }
            } else {
                return []  // private parameters (`?`, `<`, …): not an SGR we render
            }
        }
        result.append(current)
        return result
    }
}
