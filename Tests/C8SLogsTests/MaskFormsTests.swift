import Foundation
import Testing

@testable import C8SLogs

/// The forms past simple encodings: wrapped encodings, line breaks inside a secret, markup, shell and `\u` escapes,
/// duplicates, and the streaming state's flush and line modes.
@Suite("Secret masker: wrapped, escaped and quoted forms")
struct MaskFormsTests {
    /// A long secret, as a service-account key would be (2,019 bytes, printable, with every markup character).
    static let longSecret: String = {
        var random = MaskCorpus.Random(seed: 7)
        return MaskCorpus.value(length: 2019, random: &random)
    }()

    func masker(_ values: String...) -> SecretMasker {
        SecretMasker(secrets: values.enumerated().map { .init(name: "s\($0.offset)", value: $0.element) })
    }

    func streamed(_ m: SecretMasker, _ text: String, pieces: Int = 7) -> String {
        var stream = m.makeStream()
        var out: [UInt8] = []
        for piece in Array(text.utf8).chunked(pieces) { stream.feed(piece, into: &out) }
        stream.finish(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test(arguments: [76, 64, 60, 17, 1])
    func base64WrappedAtAnyWidthIsMaskedWhole(width: Int) {
        let m = masker(Self.longSecret)
        let encoded = Data(Self.longSecret.utf8).base64EncodedString()
        let wrapped = MaskCorpus.wrap(encoded, width: width, lineBreak: "\n")
        let text = "key:\n\(wrapped)\nend\n"
        let masked = streamed(m, text, pieces: 4096)
        let lines = masked.split(separator: "\n", omittingEmptySubsequences: false)
        // the line count is kept, every line of the encoding is masked
        #expect(lines.count == text.split(separator: "\n", omittingEmptySubsequences: false).count)
        #expect(lines.first == "key:")
        #expect(lines.dropFirst().dropLast(2).allSatisfy { $0 == "***" })
        #expect(masked.hasSuffix("\nend\n"))
        #expect(m.mask(text) == masked)
    }

    @Test func base64AsTheToolsPrintItIsMasked() {
        let m = masker(Self.longSecret)
        let data = Data(Self.longSecret.utf8)
        for options in [Data.Base64EncodingOptions.lineLength76Characters, .lineLength64Characters] {
            for ending in [Data.Base64EncodingOptions.endLineWithLineFeed, .endLineWithCarriageReturn, []] {
                let text = data.base64EncodedString(options: options.union(ending))
                let masked = m.mask(text)
                #expect(!masked.contains(where: { $0.isLetter || $0.isNumber }), "\(options) \(ending)")
            }
        }
        // URL alphabet, unpadded, wrapped
        let url = data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let maskedURL = m.mask(MaskCorpus.wrap(url, width: 70, lineBreak: "\r\n"))
        #expect(!maskedURL.contains { $0.isLetter })
    }

    @Test func hexWrappedAsXxdPrintsItIsMasked() {
        let m = masker(Self.longSecret)
        for upper in [false, true] {
            let hex = Data(Self.longSecret.utf8).map { String(format: upper ? "%02X" : "%02x", $0) }.joined()
            let masked = m.mask(MaskCorpus.wrap(hex, width: 60, lineBreak: "\n") + "\n")
            #expect(masked.split(separator: "\n").allSatisfy { $0 == "***" })
        }
    }

    @Test func aSecretSplitByALineBreakIsMasked() {
        let value = "hunter2-correct-horse"
        let m = masker(value)
        for cut in 1..<value.count {
            let head = value.prefix(cut)
            let tail = value.dropFirst(cut)
            for lineBreak in ["\n", "\r\n"] {
                let text = "pw: \(head)\(lineBreak)\(tail) !"
                #expect(m.mask(text) == "pw: ***\(lineBreak)*** !", "cut \(cut)")
                #expect(streamed(m, text, pieces: 3) == "pw: ***\(lineBreak)*** !", "cut \(cut)")
            }
        }
    }

    @Test func multiLineSecretsMatchWhateverTheirLinesEnd() {
        let key = "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\nQ0aBcdEfGh12345678\n-----END KEY-----"
        let m = masker(key)
        for lineBreak in ["\n", "\r\n"] {
            let printed = key.replacingOccurrences(of: "\n", with: lineBreak)
            let masked = m.mask("before\(lineBreak)\(printed)\(lineBreak)after")
            #expect(masked == ["before", "***", "***", "***", "***", "after"].joined(separator: lineBreak))
        }
    }

    @Test func emptyLinesBeyondTheLimitEndAMatch() {
        let m = masker("abcdefgh")
        #expect(m.mask("abcd\n\nefgh") == "***\n\n***")
        #expect(m.mask("abcd\r\n\r\nefgh") == "***\r\n\r\n***")
        let far = "abcd" + String(repeating: "\n", count: SecretMasker.Stream.maximumBreakRun + 1) + "efgh"
        #expect(m.mask(far) == far)
        // and they are released at once, not held
        var stream = m.makeStream()
        var out: [UInt8] = []
        stream.feed(Array(("x abcd" + String(repeating: "\n", count: 10_000)).utf8), into: &out)
        #expect(stream.heldBytes == 0)
    }

    @Test func markupEscapedFormsAreMasked() {
        let value = "p<a>ss&'w\"rd"
        let m = masker(value)
        let forms = [
            "p&lt;a&gt;ss&amp;&apos;w&quot;rd",
            "p&lt;a&gt;ss&amp;&#39;w&#34;rd",
            "p&lt;a&gt;ss&amp;&#x27;w&quot;rd",
            "p&lt;a&gt;ss&amp;&#x27;w&#34;rd",
            "p&#60;a&#62;ss&#38;&#39;w&#34;rd",
            "p&#x3c;a&#x3e;ss&#x26;&#x27;w&#x22;rd",
            "p&#x3C;a&#x3E;ss&#x26;&#x27;w&#x22;rd",
            "p&lt;a&gt;ss&amp;'w\"rd",
        ]
        for form in forms { #expect(m.mask("<v>\(form)</v>") == "<v>***</v>", "\(form)") }
    }

    @Test func shellQuotedFormsAreMasked() async throws {
        let value = "it's a $ecret; (really) \"quoted\" `x` & more!"
        let m = masker(value)
        let single = "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
        #expect(m.mask("echo \(single)") == "echo '***'")
        let doubled = "'" + value.replacingOccurrences(of: "'", with: "'\"'\"'") + "'"
        #expect(m.mask(doubled) == "'***'")
        // bash's own printf %q, and its set -x trace
        let (printed, status) = try await ChunkTestSupport.run("/bin/bash", ["-c", "printf %q \"$1\"", "bash", value])
        #expect(status == 0)
        let quoted = String(decoding: printed, as: UTF8.self)
        #expect(quoted != value)
        #expect(m.mask(quoted) == "***", "\(quoted)")
        let (traced, _) = try await ChunkTestSupport.run(
            "/bin/bash", ["-c", "exec 2>&1; set -x; : \"$1\"", "bash", value])
        #expect(!m.mask(String(decoding: traced, as: UTF8.self)).contains("ecret"))
    }

    @Test func jsonUnicodeEscapesAreMasked() throws {
        let value = "naïve<&>secret"
        let m = masker(value)
        let escapedNonASCII = "na\\u00efve<&>secret"
        let upper = "na\\u00EFve\\u003C\\u0026\\u003Esecret"
        let goStyle = "naïve\\u003c\\u0026\\u003esecret"
        let everything = value.utf16.map { String(format: "\\u%04x", $0) }.joined()
        for form in [
            escapedNonASCII, upper, goStyle, everything,
            everything.uppercased().replacingOccurrences(of: "\\U", with: "\\u"),
        ] {
            #expect(m.mask("{\"v\":\"\(form)\"}") == "{\"v\":\"***\"}", "\(form)")
        }
        let python = try JSONSerialization.data(withJSONObject: ["v": value])
        #expect(!m.mask(String(decoding: python, as: UTF8.self)).contains("secret"))
    }

    @Test func everyValueOfASecretIsMaskedIncludingDuplicates() {
        let m = SecretMasker(secrets: [
            .init(name: "db.pw", value: "first-value"), .init(name: "db.pw", value: "second-value"),
        ])
        #expect(m.mask("first-value second-value") == "*** ***")
    }

    @Test func refusedSecretsAreNamedNotShown() {
        let m = SecretMasker(secrets: [.init(name: "ci.pin", value: "x7q"), .init(name: "ci.pw", value: "long-value")])
        #expect(m.refusedSecretNames == ["ci.pin"])
    }

    @Test func flushMasksAHeldTailThatBeginsAForm() {
        let m = masker("correct-horse-battery")
        var stream = m.makeStream()
        var out: [UInt8] = []
        stream.feed(Array("a: correct-ho".utf8), into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "a: ")
        stream.flush(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "a: ***")
        #expect(stream.heldBytes == 0)
        // the rest of the form, when it comes, is masked as the same region
        stream.feed(Array("rse-battery b\n".utf8), into: &out)
        stream.finish(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "a: *** b\n")
        // a tail shorter than the minimum is released as it is
        var short = m.makeStream()
        var o2: [UInt8] = []
        short.feed(Array("x cor".utf8), into: &o2)
        short.flush(into: &o2)
        #expect(String(decoding: o2, as: UTF8.self) == "x cor")
    }

    @Test func lineModeMasksFormsRunningAcrossLines() {
        let m = masker(Self.longSecret)
        let wrapped = MaskCorpus.wrap(Data(Self.longSecret.utf8).base64EncodedString(), width: 76, lineBreak: "\n")
        var stream = m.makeStream()
        let lines = (["start"] + wrapped.split(separator: "\n").map(String.init) + ["done"]).map { stream.maskLine($0) }
        #expect(lines.first == "start")
        #expect(lines.last == "done")
        #expect(lines.dropFirst().dropLast().allSatisfy { $0 == "***" })
        // the same lines as records
        var records = m.makeStream()
        let record = records.maskLine(LogRecord(timestampNanos: 1, stream: .stdout, text: "token correct-horse"))
        #expect(record.text == "token correct-horse")
    }
}
