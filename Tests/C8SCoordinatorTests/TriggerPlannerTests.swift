import C8SCoordinator
import Testing

@Suite("Glob patterns")
struct GlobPatternTests {
    @Test(arguments: [
        ("main", "main", true),
        ("main", "mainline", false),
        ("release/*", "release/1.0", true),
        ("release/*", "release/1.0/hotfix", false),
        ("release/*", "release", false),
        ("release/**", "release/1.0/hotfix", true),
        ("**", "feature/a/b", true),
        ("*", "feature/a", false),
        ("feat-?", "feat-1", true),
        ("feat-?", "feat-10", false),
        ("v[0-9].*", "v1.2", true),
        ("v[!0-9]*", "v1", false),
        ("v[!0-9]*", "vx", true),
        ("docs/**/*.md", "docs/a.md", true),
        ("docs/**/*.md", "docs/x/y/a.md", true),
        ("docs/**/*.md", "docs/x/y/a.go", false),
        ("**/*.go", "main.go", true),
        ("**/*.go", "cmd/tool/main.go", true),
        ("src/**", "src/app/main.go", true),
        ("src/**", "srcx/a", false),
        ("*.md", "docs/a.md", false),
        ("a\\*b", "a*b", true),
        ("a\\*b", "axb", false),
        ("[", "[", true),
        ("*a*a*a*a*a*a*a*a*b", String(repeating: "a", count: 60), false),
    ])
    func matches(pattern: String, text: String, expected: Bool) {
        #expect(GlobPattern(pattern).matches(text) == expected)
    }

    @Test func listsWithNegation() {
        let list = GlobList(["release/*", "!release/old"])
        #expect(list.selects("release/1"))
        #expect(!list.selects("release/old"))
        #expect(!list.selects("main"))
        #expect(GlobList([]).selects("anything"))
        #expect(GlobList(["!docs/**"]).selects("src/a.go"))
        #expect(!GlobList(["!docs/**"]).selects("docs/a.md"))
    }
}

@Suite("Trigger decision")
struct TriggerPlannerTests {
    static func push(branch: String, paths: [String]? = nil) -> ForgeEvent {
        ForgeEvent(
            provider: .github, kind: .push,
            repository: RepositoryReference(fullName: "a/b", cloneURL: "https://github.com/a/b.git"),
            commitSHA: "abc", branch: branch, changedPaths: paths, deliveryID: "d")
    }

    static func pullRequest(from head: String, to base: String, action: ForgeEvent.PullRequestAction = .opened)
        -> ForgeEvent
    {
        ForgeEvent(
            provider: .github, kind: .pullRequest(action),
            repository: RepositoryReference(fullName: "a/b", cloneURL: "https://github.com/a/b.git"),
            commitSHA: "abc", branch: head, targetBranch: base, deliveryID: "d",
            pullRequest: .init(number: 1))
    }

    /// lint → test → deploy (main pushes only); docs (docs/** only) → publish-docs; e2e (PRs only).
    static let rules = TriggerRules(
        branches: ["main", "release/*", "feature/**"],
        steps: [
            .init(name: "lint"),
            .init(name: "test", dependsOn: ["lint"]),
            .init(name: "deploy", dependsOn: ["test"], when: .init(branches: ["main"], events: ["push"])),
            .init(name: "notify", dependsOn: ["deploy"]),
            .init(name: "docs", when: .init(paths: ["docs/**", "*.md"])),
            .init(name: "publish-docs", dependsOn: ["docs"]),
            .init(name: "e2e", dependsOn: ["lint"], when: .init(events: ["pull_request"])),
        ])

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var event: ForgeEvent
        var selected: [String]?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "push to main, paths unknown", event: push(branch: "main"),
            selected: ["lint", "test", "deploy", "notify", "docs", "publish-docs"]),
        Case(
            name: "push to main touching code only", event: push(branch: "main", paths: ["src/a.go"]),
            selected: ["lint", "test", "deploy", "notify"]),
        Case(
            name: "push to main touching docs", event: push(branch: "main", paths: ["docs/x/guide.md"]),
            selected: ["lint", "test", "deploy", "notify", "docs", "publish-docs"]),
        Case(
            name: "push of README at the root", event: push(branch: "main", paths: ["README.md"]),
            selected: ["lint", "test", "deploy", "notify", "docs", "publish-docs"]),
        Case(
            name: "push to release branch", event: push(branch: "release/2.0", paths: ["src/a.go"]),
            selected: ["lint", "test"]),
        Case(
            name: "push to nested feature branch", event: push(branch: "feature/a/b", paths: []),
            selected: ["lint", "test"]),
        Case(name: "push to unlisted branch", event: push(branch: "experiment"), selected: nil),
        Case(name: "push to release sub-branch", event: push(branch: "release/2.0/rc"), selected: nil),
        Case(
            name: "pull request into main", event: pullRequest(from: "topic", to: "main"),
            selected: ["lint", "test", "docs", "publish-docs", "e2e"]),
        Case(
            name: "pull request synchronize", event: pullRequest(from: "topic", to: "main", action: .synchronize),
            selected: ["lint", "test", "docs", "publish-docs", "e2e"]),
        Case(name: "pull request into unlisted branch", event: pullRequest(from: "main", to: "legacy"), selected: nil),
        Case(name: "closed pull request", event: pullRequest(from: "t", to: "main", action: .closed), selected: nil),
    ]

    @Test(arguments: cases)
    func decides(_ testCase: Case) {
        switch TriggerPlanner.decide(event: testCase.event, rules: Self.rules) {
        case .run(let plan):
            #expect(plan.selectedSteps == testCase.selected)
            let all = Set(Self.rules.steps.map(\.name))
            #expect(Set(plan.selectedSteps + plan.skippedSteps.map(\.name)) == all)
        case .ignore(let reason):
            #expect(testCase.selected == nil, "ignored: \(reason)")
        }
    }

    @Test func skippedDependentsNameTheirCause() throws {
        guard case .run(let plan) = TriggerPlanner.decide(event: Self.push(branch: "release/1"), rules: Self.rules) else {
            Issue.record("expected a run")
            return
        }
        let reasons = Dictionary(uniqueKeysWithValues: plan.skippedSteps.map { ($0.name, $0.reason) })
        #expect(reasons["deploy"] == "when.branches does not match branch \"release/1\"")
        #expect(reasons["notify"] == "depends on skipped step \"deploy\"")
        #expect(reasons["e2e"] == "when.events does not include push")
    }

    @Test func everyStepExcludedIgnoresTheEvent() {
        let rules = TriggerRules(steps: [.init(name: "docs", when: .init(paths: ["docs/**"]))])
        let decision = TriggerPlanner.decide(event: Self.push(branch: "main", paths: ["src/a.go"]), rules: rules)
        #expect(decision == .ignore(reason: "no step's when conditions match this push event"))
    }

    @Test func nonTriggeringEventsAreIgnored() {
        var event = Self.push(branch: "main")
        event.kind = .tagPush
        #expect(TriggerPlanner.decide(event: event, rules: Self.rules) == .ignore(reason: "tag pushes do not trigger runs"))
        event.kind = .branchDeletion
        #expect(
            TriggerPlanner.decide(event: event, rules: Self.rules)
                == .ignore(reason: "branch deletions do not trigger runs"))
    }
}
