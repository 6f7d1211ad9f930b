/// The few pieces of S3's XML responses the client needs, extracted without a general XML parser.
///
/// S3 responses are flat and machine-written: elements of interest never nest inside themselves, and text content
/// uses only the five predefined entities and numeric character references, which ``unescape(_:)`` decodes.
package enum S3XML {
    /// Text of every `<name>…</name>` element in `xml`, in document order (decoded). Self-closing `<name/>` gives "".
    package static func elements(_ name: String, in xml: Substring) -> [Substring] {
        var result: [Substring] = []
        let open = "<" + name
        let close = "</" + name + ">"
        var rest = xml[...]
        while let start = rest.range(of: open) {
            let afterName = rest[start.upperBound...]
            guard let next = afterName.first else { break }
            if next == "/" {  // <name/>
                result.append("")
                rest = afterName.dropFirst()
                continue
            }
            guard next == ">" || next == " " || next == "\t" || next == "\n" || next == "\r",
                let tagEnd = afterName.firstIndex(of: ">")
            else {
                rest = afterName
                continue
            }
            if tagEnd > afterName.startIndex && afterName[afterName.index(before: tagEnd)] == "/" {
                result.append("")
                rest = afterName[afterName.index(after: tagEnd)...]
                continue
            }
            let content = afterName[afterName.index(after: tagEnd)...]
            guard let end = content.range(of: close) else { break }
            result.append(content[..<end.lowerBound])
            rest = content[end.upperBound...]
        }
        return result
    }

    /// Decoded text of the first `<name>` element, if any.
    package static func first(_ name: String, in xml: Substring) -> String? {
        elements(name, in: xml).first.map { unescape($0) }
    }

    /// Decodes `&lt; &gt; &amp; &quot; &apos;` and `&#N;`/`&#xN;`.
    package static func unescape(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if c == "&", let semi = text[i...].firstIndex(of: ";"), text.distance(from: i, to: semi) <= 10 {
                let entity = text[text.index(after: i)..<semi]
                var replacement: String?
                switch entity {
                case "lt": replacement = "<"
                case "gt": replacement = ">"
                case "amp": replacement = "&"
                case "quot": replacement = "\""
                case "apos": replacement = "'"
                default:
                    if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                        replacement = UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map {
                            String($0)
                        }
                    } else if entity.hasPrefix("#") {
                        replacement = UInt32(entity.dropFirst()).flatMap(Unicode.Scalar.init).map { String($0) }
                    }
                }
                if let replacement {
                    out += replacement
                    i = text.index(after: semi)
                    continue
                }
            }
            out.append(c)
            i = text.index(after: i)
        }
        return out
    }

    /// Escapes text for an XML element.
    package static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }

    /// One page of a ListObjectsV2 response.
    package struct ListPage: Sendable {
        package var objects: [(key: String, size: Int)]
        package var isTruncated: Bool
        package var nextContinuationToken: String?
    }

    package static func parseListPage(_ xml: Substring) -> ListPage {
        var objects: [(key: String, size: Int)] = []
        for contents in elements("Contents", in: xml) {
            guard let key = first("Key", in: contents) else { continue }
            objects.append((key, first("Size", in: contents).flatMap { Int($0) } ?? 0))
        }
        return ListPage(
            objects: objects,
            isTruncated: first("IsTruncated", in: xml) == "true",
            nextContinuationToken: first("NextContinuationToken", in: xml)
        )
    }
}
