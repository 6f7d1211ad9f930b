/// Finds the string values at a few fixed key paths of a JSON text in one pass over its bytes, without
/// building a tree and without allocating in proportion to the input: the webhook receiver uses it to learn
/// which repository an unauthenticated delivery claims to be from, before it checks the signature and long
/// before it parses the body.
///
/// A path is a list of object keys, with `"[]"` standing for any element of an array, e.g.
/// `["repository", "links", "clone", "[]", "href"]`. The scan keeps one fixed-size frame per nesting level
/// (at most ``maxDepth``), compares keys as raw bytes (a key written with escapes never matches), returns at
/// most ``maxResults`` values of at most ``maxValueBytes`` bytes each, and stops at the first byte that cannot
/// belong to well-formed JSON: whatever it found so far is all it returns. It never fails; the body is
/// validated by the real parser once the signature is known to be good.
struct JSONPathScan: Sendable {
    /// Deepest nesting followed (the product's JSON limit).
    static let maxDepth = 64
    /// Longest value returned, in bytes (longer ones are skipped).
    static let maxValueBytes = 2048
    /// Most values returned.
    static let maxResults = 16

    /// The wanted paths.
    let paths: [[[UInt8]]]

    init(paths: [[String]]) {
        self.paths = paths.map { $0.map { Array($0.utf8) } }
    }

    /// The values found, in document order, each with the index of the path it is at.
    func values(in bytes: [UInt8]) -> [(path: Int, value: String)] {
        let longest = paths.map(\.count).max() ?? 0
        var results: [(path: Int, value: String)] = []
        // Per nesting level: whether it is an object, and the byte range of its current key.
        var isObject = [Bool](repeating: false, count: Self.maxDepth + 1)
        var keyStart = [Int](repeating: 0, count: Self.maxDepth + 1)
        var keyEnd = [Int](repeating: 0, count: Self.maxDepth + 1)
        var depth = 0
        var expectingKey = false
        var index = 0
        let count = bytes.count
        while index < count, results.count < Self.maxResults {
            let byte = bytes[index]
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D, 0x3A:  // whitespace, ':'
                if byte == 0x3A { expectingKey = false }
                index += 1
            case 0x7B, 0x5B:  // '{', '['
                guard depth < Self.maxDepth else { return results }
                depth += 1
                isObject[depth] = byte == 0x7B
                keyStart[depth] = 0
                keyEnd[depth] = 0
                expectingKey = byte == 0x7B
                index += 1
            case 0x7D, 0x5D:  // '}', ']'
                guard depth > 0 else { return results }
                depth -= 1
                expectingKey = false
                index += 1
            case 0x2C:  // ','
                expectingKey = depth > 0 && isObject[depth]
                index += 1
            case 0x22:  // '"'
                let start = index + 1
                var end = start
                while end < count, bytes[end] != 0x22 {
                    end += bytes[end] == 0x5C ? 2 : 1
                }
                guard end < count else { return results }
                index = end + 1
                if expectingKey, depth > 0, isObject[depth] {
                    keyStart[depth] = start
                    keyEnd[depth] = end
                } else if depth > 0, depth <= longest, let path = match(bytes, depth, isObject, keyStart, keyEnd),
                    end - start <= Self.maxValueBytes, let value = Self.unescape(bytes[start..<end])
                {
                    results.append((path, value))
                }
            default:
                // A number, true, false or null: skip to the next delimiter.
                guard
                    (0x2D...0x39).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x2B
                        || byte == 0x45
                else { return results }
                index += 1
            }
        }
        return results
    }

    /// The index of the wanted path equal to the current one (`depth` levels), if any.
    private func match(
        _ bytes: [UInt8], _ depth: Int, _ isObject: [Bool], _ keyStart: [Int], _ keyEnd: [Int]
    ) -> Int? {
        let wildcard: [UInt8] = [0x5B, 0x5D]
        candidates: for (number, path) in paths.enumerated() where path.count == depth {
            for level in 1...depth {
                let component = path[level - 1]
                if isObject[level] {
                    let length = keyEnd[level] - keyStart[level]
                    guard length == component.count else { continue candidates }
                    for offset in 0..<length where bytes[keyStart[level] + offset] != component[offset] {
                        continue candidates
                    }
                } else if component != wildcard {
                    continue candidates
                }
            }
            return number
        }
        return nil
    }

    /// The text of a JSON string's raw contents; nil for escapes beyond ASCII `\u` ones or invalid UTF-8.
    static func unescape(_ raw: ArraySlice<UInt8>) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index < raw.endIndex {
            let byte = raw[index]
            guard byte == 0x5C else {
                guard byte >= 0x20 else { return nil }
                out.append(byte)
                index += 1
                continue
            }
            guard index + 1 < raw.endIndex else { return nil }
            let escaped = raw[index + 1]
            switch escaped {
            case 0x22, 0x5C, 0x2F: out.append(escaped)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                guard index + 5 < raw.endIndex,
                    let code = UInt8(String(decoding: raw[(index + 2)...(index + 5)], as: UTF8.self), radix: 16),
                    code >= 0x20, code < 0x80
                else { return nil }
                out.append(code)
                index += 4
            default: return nil
            }
            index += 2
        }
        return String(validating: out, as: UTF8.self)
    }
}
