import Testing

@testable import C8SLogs

/// Which rotated `*.gz` files the tailer decompresses at its first listing, decided without I/O.
@Suite struct TailCompressedSelectionTests {
    static func cursor(_ name: String, latestRotation: String? = nil) -> TailPosition.Cursor {
        TailPosition.Cursor(
            file: LogFileIdentity(device: 1, inode: 2), name: name, resume: .init(offset: 10, lineNumber: 1),
            lastDeliveredLine: 1, latestRotation: latestRotation)
    }

    static let orphans = ["0.log.20240101-000003.gz", "0.log.20240101-000001.gz", "0.log.20240101-000002.gz"]

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let hasCheckpoint: Bool
        let cursor: TailPosition.Cursor?
        let files: [String]
        let resumed: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "without a checkpoint every compressed file is read, oldest first", hasCheckpoint: false,
            cursor: nil, files: orphans.sorted(), resumed: nil),
        Case(
            name: "a checkpoint whose file is not gone reads none", hasCheckpoint: true, cursor: nil, files: [],
            resumed: nil),
        Case(
            name: "a checkpointed rotation that was compressed is resumed, later ones read", hasCheckpoint: true,
            cursor: cursor("0.log.20240101-000002"),
            files: ["0.log.20240101-000002.gz", "0.log.20240101-000003.gz"], resumed: "0.log.20240101-000002.gz"),
        Case(
            name: "a checkpointed live file is the first rotation after the newest known one", hasCheckpoint: true,
            cursor: cursor("0.log", latestRotation: "20240101-000001"),
            files: ["0.log.20240101-000002.gz", "0.log.20240101-000003.gz"], resumed: "0.log.20240101-000002.gz"),
        Case(
            name: "a checkpointed rotation that is not among them reads none", hasCheckpoint: true,
            cursor: cursor("0.log.20240101-000009"), files: [], resumed: nil),
        Case(
            name: "another restart's live file reads none", hasCheckpoint: true, cursor: cursor("1.log"), files: [],
            resumed: nil),
    ]

    @Test(arguments: cases)
    func selection(_ example: Case) {
        let selected = TailLoop.compressedSelection(
            orphans: Self.orphans, hasCheckpoint: example.hasCheckpoint, cursor: example.cursor)
        #expect(selected.files.map(\.name) == example.files)
        #expect(selected.resumes == (example.resumed != nil))
        if let resumed = example.resumed {
            #expect(selected.files.first?.name == resumed)
            #expect(selected.files.first?.cursor == example.cursor)
            #expect(selected.files.dropFirst().allSatisfy { $0.cursor == nil })
        }
    }
}
