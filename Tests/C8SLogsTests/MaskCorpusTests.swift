import Foundation
import Testing

@testable import C8SLogs

/// The generated corpus: encodings × secret lengths × split points, through every sink the masker feeds (whole
/// text, stream split at each point, stream flushed at each point as an idle writer is, line by line as the agent
/// masks); none may hold a recoverable secret.
@Suite("Secret masker: generated corpus")
struct MaskCorpusTests {
    static let lengths = [4, 5, 6, 7, 8, 13, 31, 64, 200, 1000]

    @Test(arguments: lengths)
    func noSinkHoldsARecoverableSecret(length: Int) {
        var random = MaskCorpus.Random(seed: UInt64(length))
        let secret = MaskCorpus.value(length: length, random: &random)
        let masker = SecretMasker(secrets: [.init(name: "corpus.secret", value: secret)])
        #expect(masker.warnings.isEmpty)
        var checked = 0
        for c in MaskCorpus.cases(for: secret, random: &random) {
            let text = "~ \(c.printed) ~\nnext ~\n"
            let windows = MaskCorpus.windows(of: c.core)
            // the check sees the secret in the unmasked text
            #expect(windows.isEmpty || MaskCorpus.recoverable(windows, in: text) != nil, "\(c)")
            let bytes = Array(text.utf8)
            let whole = masker.mask(text)
            check(c, windows, "whole", whole)
            // split points: every byte for short texts, else the ends, around line breaks and a spread
            var cuts = Set<Int>()
            if bytes.count <= 64 {
                cuts = Set(0...bytes.count)
            } else {
                for k in 0..<12 { cuts.insert(k * bytes.count / 12) }
                for (i, b) in bytes.enumerated() where b == 0x0A && cuts.count < 40 { cuts.formUnion([i, i + 1]) }
                cuts.formUnion([1, 2, 3, bytes.count - 1])
            }
            for cut in cuts.sorted() {
                var stream = masker.makeStream()
                var out: [UInt8] = []
                stream.feed(bytes[0..<cut], into: &out)
                stream.feed(bytes[cut...], into: &out)
                stream.finish(into: &out)
                let streamed = String(decoding: out, as: UTF8.self)
                #expect(streamed == whole, "\(c) cut \(cut)")
                var flushed = masker.makeStream()
                var flushedOut: [UInt8] = []
                flushed.feed(bytes[0..<cut], into: &flushedOut)
                flushed.flush(into: &flushedOut)
                flushed.feed(bytes[cut...], into: &flushedOut)
                flushed.finish(into: &flushedOut)
                check(c, windows, "flushed at \(cut)", String(decoding: flushedOut, as: UTF8.self))
                checked += 2
            }
            var lines = masker.makeStream()
            let byLine = text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { lines.maskLine(String($0)) }.joined(separator: "\n")
            check(c, windows, "line by line", byLine)
            #expect(
                byLine.split(separator: "\n", omittingEmptySubsequences: false).count
                    == text.split(separator: "\n", omittingEmptySubsequences: false).count)
            checked += 2
        }
        #expect(checked > 100)
    }

    func check(_ c: MaskCorpus.Case, _ windows: Set<UInt32>, _ sink: String, _ output: String) {
        let found = MaskCorpus.recoverable(windows, in: output)
        #expect(found == nil, "\(c) [\(sink)]: \"\(found ?? "")\" readable in \(output.debugDescription.prefix(300))")
        #expect(output.hasPrefix("~ ") && output.contains(" ~\nnext ~\n"), "\(c) [\(sink)] lost its context")
    }
}
