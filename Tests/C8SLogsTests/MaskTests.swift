import Foundation
import Testing

@testable import C8SLogs

@Suite("Secret masker")
struct MaskTests {
    let secret = "s3cr3t-T0ken/with+odd&chars=\"q\"é"

    func masker(_ values: String...) -> SecretMasker {
        SecretMasker(secrets: values.enumerated().map { SecretMasker.Secret(name: "s\($0.offset)", value: $0.element) })
    }

    @Test func plainValueIsMasked() {
        let m = masker(secret)
        #expect(m.mask("token=\(secret) end") == "token=*** end")
        #expect(m.mask("nothing here") == "nothing here")
        #expect(m.warnings.isEmpty)
    }

    @Test func everyEncodingIsMasked() throws {
        let m = masker(secret)
        let data = Data(secret.utf8)
        var plain: [String] = [
            data.base64EncodedString(),
            data.base64EncodedString().replacingOccurrences(of: "=", with: ""),
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
                of: "/", with: "_"),
            data.map { String(format: "%02x", $0) }.joined(),
            data.map { String(format: "%02X", $0) }.joined(),
            try #require(secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics)),
            String(decoding: try JSONEncoder().encode(secret), as: UTF8.self).dropFirst().dropLast().description,
        ]
        plain.append(
            secret.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(["&", "=", "+", "/"]))!)
        // (encoding, bytes of other data encoded around the secret)
        var encodings = plain.map { ($0, 0) }
        // base64 of the secret embedded at every alignment inside other bytes
        for prefix in ["", "a", "ab", "abc"] {
            for suffix in ["", "x", "xy"] {
                let b64 = Data((prefix + secret + suffix).utf8).base64EncodedString()
                let around = prefix.count + suffix.count
                encodings.append((b64, around))
                encodings.append(
                    (b64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_"), around))
            }
        }
        for (encoded, aroundBytes) in encodings {
            let masked = m.mask("before \(encoded) after")
            #expect(masked.hasPrefix("before ") && masked.hasSuffix(" after"), "\(encoded)")
            #expect(masked.contains("***"), "not masked: \(encoded)")
            // what is left of the encoding is at most the partial characters at each end (bits of other bytes)
            let left = masked.dropFirst("before ".count).dropLast(" after".count).replacingOccurrences(
                of: "***", with: "")
            // (base64 of a prefix and suffix around the secret, plus at most 2 partial characters and padding)
            #expect(left.count <= (aroundBytes * 4 + 2) / 3 + 4, "too much left of \(encoded): \(left)")
            // and the left-overs never decode to a readable part of the secret
            #expect(!left.contains("s3cr"))
        }
        // the exact base64 of the value alone is masked completely, padding included
        #expect(m.mask(data.base64EncodedString()) == "***")
    }

    @Test func overlappingMatchesMaskTheUnion() {
        let m = masker("abcdef", "defghi", "zzzz")
        #expect(m.mask("xxabcdefghiyy") == "xx***yy")
        #expect(m.mask("abcdefzzzz!") == "***!")  // touching regions merge
        #expect(m.mask("zzzzzz") == "***")
    }

    @Test func secretSplitAcrossTwoWritesOfOneLineIsMasked() {
        // The CRI runtime splits one long line into P fragments; the parser joins them, then the masker runs.
        let value = "hunter2-password"
        let m = masker(value)
        let line = String(repeating: "x", count: 16 * 1024 - 5) + value + " tail"
        let bytes = CRIWriter().encode(LogRecord(timestampNanos: 1, stream: .stdout, text: line))
        var parser = CRIParser()
        var records: [LogRecord] = []
        parser.feed(bytes) { records.append($0.record) }
        #expect(records.count == 1)
        let masked = m.mask(records[0]).text
        #expect(!masked.contains("hunter"))
        #expect(masked.hasSuffix("***" + " tail"))
    }

    @Test func secretSplitAcrossTwoFeedsIsMaskedAtEverySplitPoint() {
        let value = "correct-horse-battery"
        let m = masker(value)
        let text = Array("log: \(value) and \(value)!\nnext line \(value.dropLast(3))\n".utf8)
        let expected = Array("log: *** and ***!\nnext line \(value.dropLast(3))\n".utf8)
        for cut in 0...text.count {
            var stream = m.makeStream()
            var out: [UInt8] = []
            stream.feed(text[0..<cut], into: &out)
            let firstOut = out.count
            stream.feed(text[cut...], into: &out)
            stream.finish(into: &out)
            #expect(out == expected, "cut at \(cut)")
            #expect(firstOut <= cut)
        }
        // byte by byte
        var stream = m.makeStream()
        var out: [UInt8] = []
        for b in text { stream.feed([b], into: &out) }
        stream.finish(into: &out)
        #expect(out == expected)
        // a flush releases a completed line without ending the stream
        var s2 = m.makeStream()
        var o2: [UInt8] = []
        s2.feed(Array("a \(value)\n".utf8), into: &o2)
        s2.flush(into: &o2)
        #expect(o2 == Array("a ***\n".utf8))
        #expect(s2.heldBytes == 0)
    }

    @Test func multiLineSecretsAreMaskedLineByLine() {
        let key = "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\nab\nQ0aBcdEfGh12345678\n-----END KEY-----\n"
        let m = SecretMasker(secrets: [.init(name: "deploy/key", value: key)])
        #expect(m.warnings.count == 1)
        #expect(m.warnings.first?.description.contains("line 3") == true)
        #expect(m.warnings.first?.description.contains("MIIB") == false)
        #expect(m.mask("MIIBOgIBAAJBAKj34GkxFhD9") == "***")
        #expect(m.mask("  Q0aBcdEfGh12345678  ") == "  ***  ")
        #expect(m.mask("-----BEGIN KEY-----") == "***")
        // the whole value in one-line encodings
        #expect(m.mask(Data(key.utf8).base64EncodedString()) == "***")
        let json = String(decoding: try! JSONEncoder().encode(key), as: UTF8.self)
        #expect(m.mask(json) == "\"***\"")
    }

    @Test func shortSecretsAreRefusedWithoutRevealingThem() {
        let m = SecretMasker(secrets: [.init(name: "ci/pin", value: "x7q"), .init(name: "ci/ok", value: "long-enough")])
        #expect(m.warnings.count == 1)
        let warning = m.warnings[0]
        #expect(warning.refusesWholeSecret)
        #expect(warning.secretName == "ci/pin")
        #expect(warning.description.contains("ci/pin"))
        #expect(!warning.description.contains("x7q"))
        #expect(m.mask("x7q long-enough") == "x7q ***")
    }

    @Test func hundredSecretsAtOnce() {
        let values = (0..<100).map { "secret-\($0)-\(String(UInt64($0 &* 2_654_435_761 &+ 97), radix: 36))" }
        let m = SecretMasker(secrets: values.enumerated().map { .init(name: "n\($0.offset)", value: $0.element) })
        #expect(m.warnings.isEmpty)
        #expect(m.patternCount >= 100 * 10)
        let line = values.map { "[\($0)]" }.joined(separator: " ")
        let expected = Array(repeating: "[***]", count: 100).joined(separator: " ")
        #expect(m.mask(line) == expected)
        let hexLine = values.map { Data($0.utf8).map { String(format: "%02x", $0) }.joined() }.joined(separator: ",")
        #expect(m.mask(hexLine) == Array(repeating: "***", count: 100).joined(separator: ","))
        var stream = m.makeStream()
        var out: [UInt8] = []
        for piece in Array(line.utf8).chunked(7) { stream.feed(piece, into: &out) }
        stream.finish(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == expected)
    }

    @Test func streamingAndWholeLineMaskingAgreeOnRandomText() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("abcd-/+=\"é ".utf8)
        let secrets = ["abcab", "ba-d/", "cdcdcd", "d+d=é", "aaaa"]
        let m = masker(secrets[0], secrets[1], secrets[2], secrets[3], secrets[4])
        for _ in 0..<300 {
            var text: [UInt8] = []
            for _ in 0..<Int.random(in: 0..<200, using: &rng) {
                if Int.random(in: 0..<8, using: &rng) == 0 {
                    text.append(contentsOf: secrets.randomElement(using: &rng)!.utf8)
                } else {
                    text.append(alphabet.randomElement(using: &rng)!)
                }
            }
            let whole = text.withUnsafeBufferPointer { m.mask($0) } ?? text
            var stream = m.makeStream()
            var out: [UInt8] = []
            var i = 0
            while i < text.count {
                let j = Swift.min(text.count, i + Int.random(in: 1...9, using: &rng))
                stream.feed(text[i..<j], into: &out)
                i = j
            }
            stream.finish(into: &out)
            #expect(out == whole)
            // nothing of a secret is left: masking again changes nothing, and no secret remains
            let again = whole.withUnsafeBufferPointer { m.mask($0) }
            #expect(again == nil || again! == whole)
            let result = String(decoding: whole, as: UTF8.self)
            for secret in secrets { #expect(!result.contains(secret)) }
        }
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min(count, $0 + size)] }
    }
}
