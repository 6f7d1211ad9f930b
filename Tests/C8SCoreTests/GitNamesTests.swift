import Testing

@testable import C8SCore

@Suite struct GitNamesTests {
    @Test(
        arguments: [
            ("main", nil),
            ("release/2.0/rc", nil),
            ("feature/ünïcode", nil),
            ("", "is empty"),
            ("@", "cannot be \"@\""),
            ("-x", "cannot start with '-'"),
            ("/main", "cannot start or end with '/'"),
            ("main/", "cannot start or end with '/'"),
            ("main.", "cannot end with '.'"),
            ("a..b", "cannot hold \"..\""),
            ("a//b", "cannot hold \"//\""),
            ("a@{1}", "cannot hold \"@{\""),
            ("a b", "cannot hold ' '"),
            ("a~1", "cannot hold '~'"),
            ("a^", "cannot hold '^'"),
            ("a:b", "cannot hold ':'"),
            ("a?", "cannot hold '?'"),
            ("a*", "cannot hold '*'"),
            ("a[b", "cannot hold '['"),
            ("a\\b", "cannot hold '\\'"),
            ("a\u{0}b", "cannot hold control characters"),
            ("a\u{7f}", "cannot hold control characters"),
            ("x/.hidden", "has a component starting with '.'"),
            ("x/y.lock", "has a component ending with \".lock\""),
            ("../../etc/passwd", "cannot hold \"..\""),
            (String(repeating: "b", count: 256), "is 256 bytes; the limit is 255 bytes (maxNameBytes)"),
        ] as [(String, String?)])
    func refNames(_ name: String, _ problem: String?) {
        #expect(GitNames.refNameProblem(name) == problem)
    }

    @Test func commitIDs() {
        #expect(GitNames.isFullCommitID(String(repeating: "a", count: 40)))
        #expect(GitNames.isFullCommitID(String(repeating: "0", count: 64)))
        #expect(!GitNames.isFullCommitID(String(repeating: "a", count: 41)))
        #expect(!GitNames.isFullCommitID(String(repeating: "A", count: 40)))
        #expect(!GitNames.isFullCommitID("../../etc/passwd"))
        #expect(!GitNames.isFullCommitID(String(repeating: "a", count: 39) + "\u{0}"))
        #expect(GitNames.isCommitID("abc1"))
        #expect(!GitNames.isCommitID("abc"))
        #expect(!GitNames.isCommitID("HEAD"))
    }
}
