import C8SLogs
import Foundation
import Testing

@testable import C8SLocal

@Suite struct SupportTests {
    @Test func maskerReplacesEverySecretLongestFirst() {
        let masker = PlainSecretMasker(values: ["abc", "abcdef", ""])
        #expect(masker.mask("x abcdef y abc z") == "x *** y *** z")
        #expect(masker.mask("nothing here") == "nothing here")
    }

    @Test func fileOutputRoundTripsCRILines() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("c8s-out-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = RunStore(root: root)
        let output = FileStepOutput(store: store, runID: "r1")
        let date = Date(timeIntervalSince1970: 1_764_000_000.25)
        output.write(step: "a", stream: .stdout, line: "hello world", timestamp: date)
        output.write(step: "a", stream: .stderr, line: "", timestamp: date)
        output.finish(step: "a")
        let raw = try String(contentsOf: store.stepDirectory(run: "r1", step: "a").appendingPathComponent("output.log"), encoding: .utf8)
        #expect(raw.hasPrefix("2025-11-24T16:00:00.250000000Z stdout F hello world\n"))
        let records = try output.records(run: "r1", step: "a")
        #expect(records == [
            LogRecord(timestampNanos: 1_764_000_000_250_000_000, stream: .stdout, text: "hello world"),
            LogRecord(timestampNanos: 1_764_000_000_250_000_000, stream: .stderr, text: ""),
        ])
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
