import C8SCoordinator
import C8SCore
import Testing

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
    static let rules = PipelineSpec(
        branches: ["main", "release/*", "feature/**"],
        steps: [
            PipelineStep(name: "lint"),
            PipelineStep(name: "test", dependsOn: ["lint"]),
            PipelineStep(
                name: "deploy", dependsOn: ["test"], when: WhenCondition(branches: ["main"], events: ["push"])),
            PipelineStep(name: "notify", dependsOn: ["deploy"]),
            PipelineStep(name: "docs", when: WhenCondition(paths: ["docs/**", "*.md"])),
            PipelineStep(name: "publish-docs", dependsOn: ["docs"]),
            PipelineStep(name: "e2e", dependsOn: ["lint"], when: WhenCondition(events: ["pull_request"])),
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
        switch TriggerPlanner.decide(event: testCase.event, pipeline: Self.rules) {
        case .run(let plan):
            #expect(plan.selectedSteps == testCase.selected)
            let all = Set(Self.rules.steps.map(\.name))
            #expect(Set(plan.selectedSteps + plan.skippedSteps.map(\.name)) == all)
        case .ignore(let reason):
            #expect(testCase.selected == nil, "ignored: \(reason)")
        }
    }

    @Test func skippedDependentsNameTheirCause() throws {
        guard case .run(let plan) = TriggerPlanner.decide(event: Self.push(branch: "release/1"), pipeline: Self.rules)
        else {
            Issue.record("expected a run")
            return
        }
        let reasons = Dictionary(uniqueKeysWithValues: plan.skippedSteps.map { ($0.name, $0.reason) })
        #expect(reasons["deploy"] == "when.branches does not match branch \"release/1\"")
        #expect(reasons["notify"] == "depends on skipped step \"deploy\"")
        #expect(reasons["e2e"] == "when.events does not include push")
    }

    @Test func everyStepExcludedIgnoresTheEvent() {
        let pipeline = PipelineSpec(steps: [PipelineStep(name: "docs", when: WhenCondition(paths: ["docs/**"]))])
        let decision = TriggerPlanner.decide(event: Self.push(branch: "main", paths: ["src/a.go"]), pipeline: pipeline)
        #expect(decision == .ignore(reason: "no step's when conditions match this push event"))
    }

    @Test func nonTriggeringEventsAreIgnored() {
        var event = Self.push(branch: "main")
        event.kind = .tagPush
        #expect(
            TriggerPlanner.decide(event: event, pipeline: Self.rules)
                == .ignore(reason: "tag pushes do not trigger runs"))
        event.kind = .branchDeletion
        #expect(
            TriggerPlanner.decide(event: event, pipeline: Self.rules)
                == .ignore(reason: "branch deletions do not trigger runs"))
    }
}
