import C8SLogs
import Foundation
import Synchronization
import Testing

@testable import C8SLocal

@Suite struct SupportTests {
    @Test func maskerMasksEverySecretInEveryEncodingAndWarnsAboutShortOnes() {
        let masker = SecretMasker(localSecrets: ["a.long": "abcdef-value", "b.short": "abc"])
        #expect(masker.mask("x abcdef-value y abc z") == "x *** y abc z")
        #expect(masker.mask("nothing here") == "nothing here")
        let base64 = Data("abcdef-value".utf8).base64EncodedString()
        #expect(masker.mask(bytes: Array("token: \(base64)\n".utf8)) == Array("token: ***\n".utf8))
        #expect(masker.warnings.map(\.secretName) == ["b.short"])
        #expect(!masker.warnings.description.contains("abc\""))
    }

    @Test func stepLogFileMasksAcrossWritesAndWritesCRILines() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("c8s-out-\(UUID())")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let path = root.appendingPathComponent("0.log").path
        let printed = Mutex<[String]>([])
        let file = try StepLogFile(path: path, masker: SecretMasker(localSecrets: ["s.k": "secret-value"])) {
            stream, line in
            printed.withLock { $0.append("\(stream.rawValue): \(line)") }
        }
        func write(_ stream: LogRecord.Stream, _ text: String) {
            Array(text.utf8).withUnsafeBytes { file.write(stream, $0) }
        }
        write(.stdout, "hello sec")
        write(.stdout, "ret-value\nsecond")
        write(.stderr, "err\n")
        file.endStream(.stdout)
        file.endStream(.stderr)
        file.writeLine(.stderr, "c8s: a note")
        file.close()
        var parser = CRIParser()
        var texts: [String] = []
        let data = try #require(FileManager.default.contents(atPath: path))
        parser.feed(Array(data)) { texts.append("\($0.record.stream.rawValue): \($0.record.text)") }
        #expect(parser.malformedLines == 0)
        #expect(texts == ["stdout: hello ***", "stderr: err", "stdout: second", "stderr: c8s: a note"])
        #expect(printed.withLock { $0 } == ["stdout: hello ***", "stderr: err", "stdout: second"])
        #expect(!String(decoding: data, as: UTF8.self).contains("secret-value"))
    }

    @Test func flagParsing() throws {
        #expect(try LocalRunConfiguration.parseAssignment("a.b=c=d", flag: "--secret") == ("a.b", "c=d"))
        #expect(throws: LocalError.self) { try LocalRunConfiguration.parseAssignment("novalue", flag: "--env") }
        #expect(try LocalRunConfiguration.parseMatrixFilter("go=1.22,os=debian") == ["go": "1.22", "os": "debian"])
    }

    @Test func exitCodes() {
        #expect(LocalRunner.exitCode(for: .succeeded) == 0)
        #expect(LocalRunner.exitCode(for: .failed) == 1)
        #expect(LocalRunner.exitCode(for: .cancelled) == 130)
        #expect(StepProcess.exitCode(fromStatus: 3 << 8) == 3)
        #expect(StepProcess.exitCode(fromStatus: 9) == 137)
    }
}
