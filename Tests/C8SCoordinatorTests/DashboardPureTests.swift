import C8SAPI
import C8SCore
import C8SKube
import Foundation
import Testing

@testable import C8SCoordinator

/// The dashboard's pure pieces: DAG layout, ANSI rendering and escaping, CSRF tokens, log search, the runs table.
@Suite struct DashboardPureTests {
    // MARK: - DAG layout

    @Test func diamondIsLaidOutByDependencyDepth() {
        let layout = DAGLayout([
            .init(name: "a", dependsOn: []), .init(name: "b", dependsOn: ["a"]), .init(name: "c", dependsOn: ["a"]),
            .init(name: "d", dependsOn: ["b", "c"]),
        ])
        #expect(layout.nodes.map(\.column) == [0, 1, 1, 2])
        #expect(layout.nodes.map(\.row) == [0, 0, 1, 0])
        #expect(layout.edges.map { "\($0.from)>\($0.to)" } == ["a>b", "a>c", "b>d", "c>d"])
        #expect(layout.width == 2 * DAGLayout.margin + 3 * DAGLayout.nodeWidth + 2 * DAGLayout.columnGap)
        #expect(layout.height == 2 * DAGLayout.margin + 2 * DAGLayout.nodeHeight + DAGLayout.rowGap)
    }

    @Test(arguments: [
        // (steps as "name:dep,dep", expected columns)
        (["x:"], [0]),
        (["a:", "b:a", "c:b", "d:a"], [0, 1, 2, 1]),
        (["late:early", "early:"], [1, 0]),  // declared before its dependency
        (["a:missing", "b:a,a"], [0, 1]),  // unknown dependency ignored, duplicate edge once
        (["p:q", "q:p", "r:"], [0, 0, 0]),  // a cycle (refused by the validator) does not hang
    ])
    func columnsAreLongestDependencyChains(steps: [String], columns: [Int]) {
        let input = steps.map { text -> DAGLayout.Input in
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            return .init(name: String(parts[0]), dependsOn: parts[1].split(separator: ",").map(String.init))
        }
        #expect(DAGLayout(input).nodes.map(\.column) == columns)
    }

    @Test func longChainIsLinear() {
        let steps = (0..<2000).map { DAGLayout.Input(name: "s\($0)", dependsOn: $0 == 0 ? [] : ["s\($0 - 1)"]) }
        let layout = DAGLayout(steps)
        #expect(layout.nodes.last?.column == 1999)
        #expect(layout.edges.count == 1999)
    }

    @Test func svgEscapesNamesAndColoursByPhase() {
        let layout = DAGLayout([.init(name: "<b>&\"x", dependsOn: []), .init(name: "y", dependsOn: ["<b>&\"x"])])
        let svg = layout.svg(labels: ["y": .init(phase: "failed", detail: "Failed · 3s", link: "/runs/n/r/steps/y")])
        #expect(svg.contains("data-step=\"&lt;b&gt;&amp;&quot;x\""))
        #expect(!svg.contains("<b>"))
        #expect(svg.contains("class=\"node phase-failed\" data-step=\"y\""))
        #expect(svg.contains("class=\"node phase-pending\""))
        #expect(svg.contains("<a href=\"/runs/n/r/steps/y\">"))
        #expect(svg.components(separatedBy: "class=\"edge\"").count == 2)
    }

    // MARK: - ANSI rendering and escaping

    @Test(arguments: [
        ("plain", "plain"),
        ("<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"),
        ("\u{1b}[31mred\u{1b}[0m ok", "<span class=\"f1\">red</span> ok"),
        ("\u{1b}[1;32mbold green\u{1b}[m", "<span class=\"f2 ab\">bold green</span>"),
        (
            "\u{1b}[38;5;208mo\u{1b}[48;5;17mb\u{1b}[39;49mn",
            "<span class=\"f208\">o</span><span class=\"f208 b17\">b</span>n"
        ),
        ("\u{1b}[38;2;255;0;0mt", "<span class=\"f196\">t</span>"),
        ("\u{1b}[94mx\u{1b}[22;4my", "<span class=\"f12\">x</span><span class=\"f12 au\">y</span>"),
        ("a\u{1b}[2Kb\u{1b}]0;title\u{07}c\rd\u{7f}", "abcd"),  // other CSI, OSC, CR and DEL dropped
        ("\u{1b}[31m<i>\u{1b}[0m", "<span class=\"f1\">&lt;i&gt;</span>"),
        ("tab\there", "tab\there"),
        ("\u{1b}[", ""),  // truncated sequence
    ])
    func ansiRendersToEscapedHTML(line: String, html: String) {
        #expect(ANSIRenderer.html(line) == html)
    }

    @Test func ansiPlainStripsEscapes() {
        #expect(ANSIRenderer.plain("\u{1b}[31mred\u{1b}[0m and \u{1b}[1mbold") == "red and bold")
        #expect(ANSIRenderer.plain("untouched <b>") == "untouched <b>")
    }

    @Test func hostileEscapesAreBounded() {
        let many = "\u{1b}[" + Array(repeating: "1", count: 10_000).joined(separator: ";") + "mtext"
        let html = ANSIRenderer.html(many)
        #expect(html.hasSuffix("text") || html.hasSuffix("text</span>"))
        #expect(!html.contains("\u{1b}"))
    }

    // MARK: - CSRF

    @Test func csrfTokensAreBoundToIdentityAndKey() {
        let csrf = CSRFToken(secret: Array("shared-secret".utf8))
        let token = csrf.token(for: "token:abc")
        #expect(token.utf8.count == 43)
        #expect(csrf.verify(token, for: "token:abc"))
        #expect(!csrf.verify(token, for: "token:abd"))
        #expect(!csrf.verify(nil, for: "token:abc"))
        #expect(!csrf.verify(String(token.dropLast()) + "A", for: "token:abc") || token.hasSuffix("A"))
        #expect(CSRFToken(secret: Array("shared-secret".utf8)).verify(token, for: "token:abc"))  // another replica
        #expect(!CSRFToken(secret: nil).verify(token, for: "token:abc"))  // a random key
        #expect(!token.contains("+") && !token.contains("/") && !token.contains("="))
    }

    @Test func sessionCookieValueRoundTrips() {
        let token = "eyJhbGciOi.JSUzI1NiJ9.e30+/=="
        let encoded = CSRFToken.base64URL(Array(token.utf8))
        #expect(CSRFToken.fromBase64URL(encoded).map { String(decoding: $0, as: UTF8.self) } == token)
    }

    @Test(arguments: [
        ("/runs/default/x", "/runs/default/x"), ("//evil.example/x", "/runs"), ("https://evil.example", "/runs"),
        ("/\\evil", "/runs"), (nil, "/runs"), ("/ok?a=1#L5", "/ok?a=1#L5"),
    ])
    func signInOnlyGoesToLocalPaths(next: String?, expected: String) {
        #expect(Dashboard.safeNext(next) == expected)
    }

    @Test func formsAreDecoded() {
        let form = Dashboard.parseForm("csrf=a%2Bb&branch=release%2F1+x&empty=&flag")
        #expect(form == ["csrf": "a+b", "branch": "release/1 x", "empty": "", "flag": ""])
    }

    // MARK: - Search

    static func search(_ lines: [String], _ query: String, context: Int, caseSensitive: Bool = false)
        -> [LogSearch.Match]
    {
        var search = LogSearch(query: query, caseSensitive: caseSensitive, context: context)
        var found: [LogSearch.Match] = []
        for (number, line) in lines.enumerated() { found += search.feed(number: Int64(number), text: line) }
        return found + search.finish()
    }

    @Test func searchReturnsMatchesWithContext() {
        let lines = (0..<10).map { "line \($0)" } + ["ERROR here", "after 1", "after 2", "after 3"]
        let found = Self.search(lines, "error", context: 2)
        #expect(found.count == 1)
        #expect(found[0].line == .init(number: 10, text: "ERROR here"))
        #expect(found[0].before.map(\.number) == [8, 9])
        #expect(found[0].after.map(\.number) == [11, 12])
        #expect(Self.search(lines, "error", context: 2, caseSensitive: true).isEmpty)
    }

    @Test func searchHandlesAdjacentMatchesAndTheEnd() {
        let found = Self.search(["x1", "x2", "y", "x3"], "x", context: 1)
        #expect(found.map(\.line.number) == [0, 1, 3])
        #expect(found[0].before.isEmpty && found[0].after.map(\.number) == [1])
        #expect(found[1].before.map(\.number) == [0] && found[1].after.map(\.number) == [2])
        #expect(found[2].after.isEmpty)  // the log ended
    }

    @Test func searchMatchesTextWithoutEscapesAndCutsLongLines() {
        let found = Self.search(
            ["\u{1b}[31mfa\u{1b}[0miled", String(repeating: "z", count: 5000) + "needle"], "failed", context: 0)
        #expect(found.map(\.line.text) == ["failed"])
        let long = Self.search([String(repeating: "é", count: 3000) + "needle"], "needle", context: 0)
        #expect(long.count == 1 && long[0].line.text.utf8.count <= LogSearch.maximumLineBytes + 3)
        #expect(Self.search(["abc"], "", context: 0).isEmpty)
        #expect(LogSearch(query: "q", caseSensitive: false, context: 1000).context == LogSearch.maximumContext)
    }

    // MARK: - Runs table

    static func run(
        _ name: String, created: TimeInterval, phase: RunPhase?, parent: String? = nil, matrix: [String: String]? = nil,
        index: Int? = nil, config: String = "shop", branch: String = "main"
    ) -> PipelineRun {
        var metadata = ObjectMeta(name: name, namespace: "team-a")
        metadata.creationTimestamp = KubeTime(Date(timeIntervalSince1970: created))
        if let parent { metadata.labels = [C8SLabels.matrixParent: parent] }
        var run = PipelineRun(
            metadata: metadata,
            spec: .init(
                pipelineConfigRef: .init(name: config), commit: "0123456789abcdef", branch: branch, event: .push,
                matrix: matrix, matrixIndex: index))
        run.status = PipelineRun.Status(phase: phase)
        return run
    }

    @Test func runsAreNewestFirstWithMatrixChildrenGrouped() {
        let runs = [
            Self.run("old", created: 100, phase: .succeeded),
            Self.run("m", created: 300, phase: .running),
            Self.run("m-1", created: 301, phase: .failed, parent: "m", matrix: ["os": "debian"], index: 1),
            Self.run(
                "m-0", created: 301, phase: .succeeded, parent: "m", matrix: ["os": "alpine", "go": "1.22"], index: 0),
            Self.run("new", created: 400, phase: .pending, config: "other", branch: "dev"),
        ]
        let table = RunsTable(runs: runs, filter: .init())
        #expect(table.rows.map { $0.run.metadata.name } == ["new", "m", "old"])
        #expect(table.rows[1].children.map { $0.metadata.name } == ["m-0", "m-1"])
        #expect(table.rows[1].aggregate == "1/2 succeeded")
        #expect(RunsTable.combination(table.rows[1].children[0]) == "go=1.22, os=alpine")
        let html = table.html(connections: [], now: Date(timeIntervalSince1970: 500))
        #expect(html.contains("<span class=\"aggregate\">1/2 succeeded</span>"))
        #expect(html.contains("tr class=\"child\" data-parent=\"team-a/m\" hidden"))

        #expect(RunsTable(runs: runs, filter: .init(config: "other")).rows.map { $0.run.metadata.name } == ["new"])
        #expect(RunsTable(runs: runs, filter: .init(phase: "succeeded")).rows.map { $0.run.metadata.name } == ["old"])
        #expect(RunsTable(runs: runs, filter: .init(branch: "dev")).rows.count == 1)
        #expect(RunsTable(runs: runs, filter: .init(namespace: "team-b")).rows.isEmpty)
        #expect(RunsTable.Filter(namespace: "a b", phase: "").query == "namespace=a%20b")
    }

    @Test(
        arguments: [
            (
                "https://github.com/acme/shop", C8SAPI.RepositoryConnection.Provider.github,
                "https://github.com/acme/shop/commit/abc1"
            ),
            ("https://gitlab.com/acme/shop.git", .gitlab, "https://gitlab.com/acme/shop/-/commit/abc1"),
            ("https://bitbucket.org/acme/shop/", .bitbucket, "https://bitbucket.org/acme/shop/commits/abc1"),
            ("javascript:alert(1)", .github, nil),
            ("git@github.com:acme/shop.git", .github, nil),
        ] as [(String, C8SAPI.RepositoryConnection.Provider, String?)])
    func commitLinksOnlyToWebForges(
        repository: String, provider: C8SAPI.RepositoryConnection.Provider, expected: String?
    ) {
        #expect(RunFormat.commitURL(repository: repository, provider: provider, commit: "abc1") == expected)
    }
}
