/// The one JSON parser of c8s: strict RFC 8259 over raw bytes, with byte-offset error messages.
///
/// An integer number within `Int64` becomes `.int` (exact, so forge ids never lose precision); any other number
/// (a fraction, an exponent, a larger integer) becomes `.double`.
///
/// Input is untrusted: the parser bounds nesting depth (checked before it recurses, so no document can overflow the
/// stack), rejects invalid UTF-8, unescaped control characters and trailing data, rejects duplicate object keys (or
/// keeps the last, as the Kubernetes API server does), and reports the byte offset of the first problem
/// ("invalid JSON at byte 17: expected ':' after object key").
public struct JSONParser: Sendable {
    /// What to do with an object key that appears twice.
    public enum DuplicateKeys: Sendable {
        /// Refuse the document (webhook bodies, admission requests: nothing ambiguous is accepted).
        case reject
        /// Keep the last value, like Go's `encoding/json` behind the Kubernetes API server.
        case keepLast
    }

    /// The nesting bound of untrusted documents (docs/limits.md).
    public static let defaultMaximumDepth = 64

    /// Maximum nesting of arrays and objects.
    public var maximumDepth: Int
    /// What a duplicate object key does.
    public var duplicateKeys: DuplicateKeys

    /// Creates a parser; `maximumDepth` bounds nesting of arrays and objects.
    public init(maximumDepth: Int = JSONParser.defaultMaximumDepth, duplicateKeys: DuplicateKeys = .reject) {
        self.maximumDepth = maximumDepth
        self.duplicateKeys = duplicateKeys
    }

    /// Parses one JSON document that spans all of `bytes` (surrounding whitespace allowed).
    public func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { buffer throws(JSONParseError) in
            var reader = Reader(bytes: buffer, maximumDepth: maximumDepth, duplicateKeys: duplicateKeys)
            reader.skipWhitespace()
            let value = try reader.parseValue(depth: 0)
            reader.skipWhitespace()
            if reader.offset != buffer.count {
                throw JSONParseError(offset: reader.offset, reason: "unexpected data after the JSON value")
            }
            return value
        }
    }
}

/// A JSON syntax error at a byte offset of the input.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Zero-based byte offset of the problem.
    public var offset: Int
    /// What was wrong there.
    public var reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

private struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    let maximumDepth: Int
    let duplicateKeys: JSONParser.DuplicateKeys
    var offset = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int, duplicateKeys: JSONParser.DuplicateKeys) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
        self.duplicateKeys = duplicateKeys
    }

    func fail(_ reason: String, at position: Int? = nil) -> JSONParseError {
        JSONParseError(offset: position ?? offset, reason: reason)
    }

    var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0A, 0x0D: offset += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard let byte = current else { throw fail("unexpected end of input, expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw fail("unexpected character \(Self.describe(byte)), expected a value")
        }
    }

    static func describe(_ byte: UInt8) -> String {
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "0x" + String(byte, radix: 16, uppercase: true)
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let start = offset
        let count = literal.utf8CodeUnitCount
        guard offset + count <= bytes.count else { throw fail("invalid literal", at: start) }
        let pointer = literal.utf8Start
        for index in 0..<count where bytes[offset + index] != pointer[index] {
            throw fail("invalid literal", at: start)
        }
        offset += count
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maximumDepth else { throw fail("nesting deeper than the limit of \(maximumDepth) levels") }
        offset += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            offset += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw fail("expected a string object key") }
            let keyOffset = offset
            let key = try parseString()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw fail("expected ':' after object key") }
            offset += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            if members.updateValue(value, forKey: key) != nil, duplicateKeys == .reject {
                throw fail("duplicate object key \"\(key)\"", at: keyOffset)
            }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "}"):
                offset += 1
                return .object(members)
            case nil: throw fail("unexpected end of input inside an object")
            default: throw fail("expected ',' or '}' in an object")
            }
        }
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maximumDepth else { throw fail("nesting deeper than the limit of \(maximumDepth) levels") }
        offset += 1
        var values: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            offset += 1
            return .array(values)
        }
        while true {
            skipWhitespace()
            values.append(try parseValue(depth: depth))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "]"):
                offset += 1
                return .array(values)
            case nil: throw fail("unexpected end of input inside an array")
            default: throw fail("expected ',' or ']' in an array")
            }
        }
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = offset
        var integral = true
        if current == UInt8(ascii: "-") { offset += 1 }
        guard let first = current, first >= 0x30 && first <= 0x39 else { throw fail("invalid number", at: start) }
        offset += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if current == UInt8(ascii: ".") {
            integral = false
            offset += 1
            guard skipDigits() > 0 else { throw fail("expected a digit after '.'") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            integral = false
            offset += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { offset += 1 }
            guard skipDigits() > 0 else { throw fail("expected a digit in the exponent") }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
        if integral, let value = Int64(text) { return .int(value) }
        guard let value = Double(text) else { throw fail("invalid number", at: start) }
        return .double(value)
    }

    @discardableResult
    mutating func skipDigits() -> Int {
        let start = offset
        while let byte = current, byte >= 0x30 && byte <= 0x39 { offset += 1 }
        return offset - start
    }

    mutating func parseString() throws(JSONParseError) -> String {
        let start = offset
        offset += 1
        var runStart = offset
        var scratch: [UInt8] = []
        var escaped = false
        while true {
            guard let byte = current else { throw fail("unterminated string starting at byte \(start)") }
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 { throw fail("unescaped control character in a string") }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<offset]))
                try parseEscape(into: &scratch)
                runStart = offset
                continue
            }
            offset += 1
        }
        let raw: UnsafeBufferPointer<UInt8>
        if escaped {
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<offset]))
            offset += 1
            guard let text = String(validating: scratch, as: UTF8.self) else {
                throw fail("invalid UTF-8 in the string starting at byte \(start)", at: start)
            }
            return text
        }
        raw = UnsafeBufferPointer(rebasing: bytes[runStart..<offset])
        offset += 1
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw fail("invalid UTF-8 in the string starting at byte \(start)", at: start)
        }
        return text
    }

    mutating func parseEscape(into scratch: inout [UInt8]) throws(JSONParseError) {
        let escapeStart = offset
        offset += 1
        guard let byte = current else { throw fail("unterminated escape sequence") }
        offset += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(byte)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalarValue = try parseHex4()
            if scalarValue >= 0xD800 && scalarValue < 0xDC00 {
                guard current == UInt8(ascii: "\\"), offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "u")
                else { throw fail("unpaired UTF-16 surrogate in a \\u escape", at: escapeStart) }
                offset += 2
                let low = try parseHex4()
                guard low >= 0xDC00 && low < 0xE000 else {
                    throw fail("unpaired UTF-16 surrogate in a \\u escape", at: escapeStart)
                }
                scalarValue = 0x10000 + ((scalarValue - 0xD800) << 10) + (low - 0xDC00)
            } else if scalarValue >= 0xDC00 && scalarValue < 0xE000 {
                throw fail("unpaired UTF-16 surrogate in a \\u escape", at: escapeStart)
            }
            guard let scalar = Unicode.Scalar(scalarValue) else { throw fail("invalid \\u escape", at: escapeStart) }
            scratch.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw fail("invalid escape sequence \\\(Character(Unicode.Scalar(byte)))", at: escapeStart)
        }
    }

    mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw fail("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: throw fail("invalid hex digit in a \\u escape")
            }
            value = value << 4 | UInt32(digit)
            offset += 1
        }
        return value
    }
}
