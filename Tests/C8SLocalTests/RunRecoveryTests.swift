import C8SCore
import Foundation
import Testing

@testable import C8SLocal

/// The pure parts of crash recovery: who owns a run, and what the recovery may delete.
@Suite struct RunRecoveryTests {
    @Test(arguments: [
        ("1234 (sh) S 1 1234 1234 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 98765 2000 300", "S", UInt64(98765)),
        ("77 (a) b) (c) R 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 42 1 1", "R", 42),
        ("9 (zombie) Z 1 9 9 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7 0 0\n", "Z", 7),
    ])
    func statFieldsAreCountedAfterTheLastParenthesis(line: String, state: String, ticks: UInt64) throws {
        let fields = try #require(RunOwner.fields(ofStat: line))
        #expect(fields.state == Substring(state))
        #expect(fields.startTicks == ticks)
    }

    @Test(arguments: ["", "1234 (sh", "1234 (sh) S 1 2 3", String(repeating: "x", count: 5000) + ")"])
    func malformedStatLinesGiveNothing(line: String) {
        #expect(RunOwner.fields(ofStat: line) == nil)
    }

    @Test func aPidWithAnotherStartTimeIsNotTheOwner() throws {
        let me = try #require(RunOwner.current())
        #expect(me.isAlive)
        #expect(!RunOwner(pid: me.pid, startTicks: me.startTicks + 1).isAlive)  // the pid was reused
        var record = RunRecord(
            id: "20261203-000000-abcd", file: ".c8s.yaml", phase: .running, startTime: Date(), combinations: [],
            steps: [])
        #expect(!RunRecovery.isAbandoned(record))  // no owner recorded: left alone
        record.owner = me
        #expect(!RunRecovery.isAbandoned(record))
        record.owner = RunOwner(pid: me.pid, startTicks: me.startTicks + 1)
        #expect(RunRecovery.isAbandoned(record))
        record.phase = .succeeded
        #expect(!RunRecovery.isAbandoned(record))  // final runs are never touched
    }

    @Test(arguments: [
        ("/tmp/c8s-20261203-000000-abcd-4242", true),
        ("/var/tmp/x/c8s-20261203-000000-abcd-1", true),
        ("/tmp/c8s-20261203-000000-abcd-", false),
        ("/tmp/c8s-20261203-000000-abcd-42x", false),
        ("/tmp/c8s-20261203-000000-ffff-42", false),
        ("/home/user", false),
        ("/", false),
        ("tmp/c8s-20261203-000000-abcd-42", false),
        ("/tmp/../home/c8s-20261203-000000-abcd-42", false),
    ])
    func theRecoveryRemovesOnlyAWorkspaceOfTheRun(path: String, removable: Bool) {
        #expect(Workspace.isWorkspacePath(path, runID: "20261203-000000-abcd") == removable)
    }

    @Test func recoveringARunTwiceDoesItOnce() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("c8s-recovery-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = RunStore(root: directory)
        let me = try #require(RunOwner.current())
        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("c8s-20261203-000000-abcd-1")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        var record = RunRecord(
            id: "20261203-000000-abcd", file: ".c8s.yaml", phase: .running, startTime: Date(), combinations: [],
            steps: [
                StepRecord(key: "ran", name: "ran", matrix: MatrixCombination(), phase: .running),
                StepRecord(key: "waited", name: "waited", matrix: MatrixCombination()),
            ])
        record.owner = RunOwner(pid: me.pid, startTicks: me.startTicks + 1)
        record.workspace = workspace.path
        try store.save(record)
        let recovery = RunRecovery(store: store)
        #expect(try await recovery.recover(record.id))
        #expect(try await !recovery.recover(record.id))
        let recovered = try store.load(record.id)
        #expect(recovered.phase == .failed)
        #expect(recovered.status == "Interrupted")
        #expect(recovered.steps.map(\.phase) == [.failed, .cancelled])
        #expect(!FileManager.default.fileExists(atPath: workspace.path))
    }
}
