import C8SCommon
import C8SCoordinator
import Testing

/// One fixture and what it must normalize to.
struct ParsingCase: CustomTestStringConvertible, Sendable {
    var forge: String
    var fixture: String
    var event: String
    var kind: ForgeEvent.Kind
    var branch: String?
    var targetBranch: String? = nil
    var tag: String? = nil
    var sha: String?
    var paths: [String]? = nil
    var pullRequest: Int? = nil
    var key: String
    var sender: String? = nil

    var testDescription: String { "\(forge)/\(fixture)" }
}

let head = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"

let parsingCases: [ParsingCase] = [
    // GitHub
    ParsingCase(
        forge: "github", fixture: "push", event: "push", kind: .push, branch: "main", sha: head,
        paths: ["docs/guide.md", "src/app/main.go", "README.md", "old/legacy.txt"], key: "github.com/acme/shop",
        sender: "octocat"),
    ParsingCase(
        forge: "github", fixture: "push-tag", event: "push", kind: .tagPush, branch: nil, tag: "v1.2.0", sha: head,
        key: "github.com/acme/shop"),
    ParsingCase(
        forge: "github", fixture: "push-branch-deleted", event: "push", kind: .branchDeletion, branch: "feature/old",
        sha: nil, key: "github.com/acme/shop"),
    ParsingCase(
        forge: "github", fixture: "pull_request-opened", event: "pull_request", kind: .pullRequest(.opened),
        branch: "feature/checkout", targetBranch: "main", sha: head, pullRequest: 42, key: "github.com/acme/shop",
        sender: "contrib"),
    ParsingCase(
        forge: "github", fixture: "pull_request-synchronize", event: "pull_request",
        kind: .pullRequest(.synchronize), branch: "feature/checkout", targetBranch: "main", sha: head,
        pullRequest: 42, key: "github.com/acme/shop"),
    ParsingCase(
        forge: "github", fixture: "pull_request-reopened", event: "pull_request", kind: .pullRequest(.reopened),
        branch: "feature/checkout", targetBranch: "main", sha: head, pullRequest: 42, key: "github.com/acme/shop"),
    ParsingCase(
        forge: "github", fixture: "pull_request-closed", event: "pull_request", kind: .pullRequest(.closed),
        branch: "feature/checkout", targetBranch: "main", sha: head, pullRequest: 42, key: "github.com/acme/shop"),
    ParsingCase(
        forge: "github", fixture: "ping", event: "ping", kind: .ping, branch: nil, sha: nil,
        key: "github.com/acme/shop"),
    // GitLab
    ParsingCase(
        forge: "gitlab", fixture: "push", event: "Push Hook", kind: .push, branch: "main", sha: head,
        paths: ["services/api/handler.go", "go.mod", "web/index.html", "services/api/old.go"],
        key: "gitlab.example.com/acme/platform/shop", sender: "jsmith"),
    ParsingCase(
        forge: "gitlab", fixture: "tag_push", event: "Tag Push Hook", kind: .tagPush, branch: nil, tag: "v1.0.0",
        sha: head, key: "gitlab.example.com/acme/platform/shop"),
    ParsingCase(
        forge: "gitlab", fixture: "push-branch-deleted", event: "Push Hook", kind: .branchDeletion,
        branch: "feature/old", sha: nil, key: "gitlab.example.com/acme/platform/shop"),
    ParsingCase(
        forge: "gitlab", fixture: "merge_request-open", event: "Merge Request Hook", kind: .pullRequest(.opened),
        branch: "feature/checkout", targetBranch: "main", sha: head, pullRequest: 7,
        key: "gitlab.example.com/acme/platform/shop", sender: "root"),
    ParsingCase(
        forge: "gitlab", fixture: "merge_request-update", event: "Merge Request Hook",
        kind: .pullRequest(.synchronize), branch: "feature/checkout", targetBranch: "main", sha: head, pullRequest: 7,
        key: "gitlab.example.com/acme/platform/shop"),
    ParsingCase(
        forge: "gitlab", fixture: "merge_request-update-title", event: "Merge Request Hook",
        kind: .pullRequest(.other), branch: "feature/checkout", targetBranch: "main", sha: head, pullRequest: 7,
        key: "gitlab.example.com/acme/platform/shop"),
    ParsingCase(
        forge: "gitlab", fixture: "merge_request-reopen", event: "Merge Request Hook",
        kind: .pullRequest(.reopened), branch: "feature/checkout", targetBranch: "main", sha: head, pullRequest: 7,
        key: "gitlab.example.com/acme/platform/shop"),
    ParsingCase(
        forge: "gitlab", fixture: "merge_request-close", event: "Merge Request Hook", kind: .pullRequest(.closed),
        branch: "feature/checkout", targetBranch: "main", sha: head, pullRequest: 7,
        key: "gitlab.example.com/acme/platform/shop"),
    // Bitbucket Cloud
    ParsingCase(
        forge: "bitbucket-cloud", fixture: "repo-push", event: "repo:push", kind: .push, branch: "main", sha: head,
        key: "bitbucket.org/acme/shop", sender: "ada"),
    ParsingCase(
        forge: "bitbucket-cloud", fixture: "repo-push-tag", event: "repo:push", kind: .tagPush, branch: nil,
        tag: "v2.0.0", sha: head, key: "bitbucket.org/acme/shop"),
    ParsingCase(
        forge: "bitbucket-cloud", fixture: "repo-push-branch-deleted", event: "repo:push", kind: .branchDeletion,
        branch: "feature/old", sha: nil, key: "bitbucket.org/acme/shop"),
    ParsingCase(
        forge: "bitbucket-cloud", fixture: "pullrequest-created", event: "pullrequest:created",
        kind: .pullRequest(.opened), branch: "feature/checkout", targetBranch: "main", sha: String(head.prefix(12)),
        pullRequest: 12, key: "bitbucket.org/acme/shop"),
    ParsingCase(
        forge: "bitbucket-cloud", fixture: "pullrequest-updated", event: "pullrequest:updated",
        kind: .pullRequest(.synchronize), branch: "feature/checkout", targetBranch: "main",
        sha: String(head.prefix(12)), pullRequest: 12, key: "bitbucket.org/acme/shop"),
    ParsingCase(
        forge: "bitbucket-cloud", fixture: "pullrequest-fulfilled", event: "pullrequest:fulfilled",
        kind: .pullRequest(.merged), branch: "feature/checkout", targetBranch: "main", sha: String(head.prefix(12)),
        pullRequest: 12, key: "bitbucket.org/acme/shop"),
    ParsingCase(
        forge: "bitbucket-cloud", fixture: "pullrequest-rejected", event: "pullrequest:rejected",
        kind: .pullRequest(.closed), branch: "feature/checkout", targetBranch: "main", sha: String(head.prefix(12)),
        pullRequest: 12, key: "bitbucket.org/acme/shop"),
    // Bitbucket Data Center
    ParsingCase(
        forge: "bitbucket-datacenter", fixture: "repo-refs_changed", event: "repo:refs_changed", kind: .push,
        branch: "main", sha: head, key: "bitbucket.example.com/scm/acme/shop", sender: "admin"),
    ParsingCase(
        forge: "bitbucket-datacenter", fixture: "repo-refs_changed-tag", event: "repo:refs_changed", kind: .tagPush,
        branch: nil, tag: "v3.0.0", sha: head, key: "bitbucket.example.com/scm/acme/shop"),
    ParsingCase(
        forge: "bitbucket-datacenter", fixture: "repo-refs_changed-branch-deleted", event: "repo:refs_changed",
        kind: .branchDeletion, branch: "feature/old", sha: nil, key: "bitbucket.example.com/scm/acme/shop"),
    ParsingCase(
        forge: "bitbucket-datacenter", fixture: "pr-opened", event: "pr:opened", kind: .pullRequest(.opened),
        branch: "feature/checkout", targetBranch: "main", sha: head, pullRequest: 5,
        key: "bitbucket.example.com/scm/acme/shop"),
    ParsingCase(
        forge: "bitbucket-datacenter", fixture: "pr-from_ref_updated", event: "pr:from_ref_updated",
        kind: .pullRequest(.synchronize), branch: "feature/checkout", targetBranch: "main", sha: head,
        pullRequest: 5, key: "bitbucket.example.com/scm/acme/shop"),
    ParsingCase(
        forge: "bitbucket-datacenter", fixture: "pr-declined", event: "pr:declined", kind: .pullRequest(.closed),
        branch: "feature/checkout", targetBranch: "main", sha: head, pullRequest: 5,
        key: "bitbucket.example.com/scm/acme/shop"),
    ParsingCase(
        forge: "bitbucket-datacenter", fixture: "pr-merged", event: "pr:merged", kind: .pullRequest(.merged),
        branch: "feature/checkout", targetBranch: "main", sha: head, pullRequest: 5,
        key: "bitbucket.example.com/scm/acme/shop"),
    // Gitea / Forgejo
    ParsingCase(
        forge: "gitea", fixture: "push", event: "push", kind: .push, branch: "main", sha: head,
        paths: ["charts/values.yaml", "Makefile"], key: "gitea.example.com/gitea/shop", sender: "gitea"),
    ParsingCase(
        forge: "gitea", fixture: "push-tag", event: "push", kind: .tagPush, branch: nil, tag: "v0.9.0", sha: head,
        key: "gitea.example.com/gitea/shop"),
    ParsingCase(
        forge: "gitea", fixture: "delete", event: "delete", kind: .branchDeletion, branch: "feature/old", sha: nil,
        key: "gitea.example.com/gitea/shop"),
    ParsingCase(
        forge: "gitea", fixture: "pull_request-opened", event: "pull_request", kind: .pullRequest(.opened),
        branch: "feature/checkout", targetBranch: "main", sha: head, pullRequest: 3,
        key: "gitea.example.com/gitea/shop", sender: "contrib"),
    ParsingCase(
        forge: "gitea", fixture: "pull_request-synchronized", event: "pull_request",
        kind: .pullRequest(.synchronize), branch: "feature/checkout", targetBranch: "main", sha: head,
        pullRequest: 3, key: "gitea.example.com/gitea/shop"),
    ParsingCase(
        forge: "gitea", fixture: "pull_request-reopened", event: "pull_request", kind: .pullRequest(.reopened),
        branch: "feature/checkout", targetBranch: "main", sha: head, pullRequest: 3,
        key: "gitea.example.com/gitea/shop"),
    ParsingCase(
        forge: "gitea", fixture: "pull_request-closed", event: "pull_request", kind: .pullRequest(.closed),
        branch: "feature/checkout", targetBranch: "main", sha: head, pullRequest: 3,
        key: "gitea.example.com/gitea/shop"),
]

@Suite("Webhook parsing")
struct WebhookParsingTests {
    @Test(arguments: parsingCases)
    func normalizesFixture(_ expected: ParsingCase) throws {
        let body = try Fixture.bytes(expected.forge, expected.fixture)
        let headers = Delivery.headers(
            forge: expected.forge, event: expected.event, body: body, secret: TestWorld.secret, delivery: "d-1")
        let source = Delivery.source(forge: expected.forge)
        let event = try source.decode(headers: headers, body: body)
        #expect(event.kind == expected.kind)
        #expect(event.branch == expected.branch)
        #expect(event.targetBranch == expected.targetBranch)
        #expect(event.tag == expected.tag)
        #expect(event.commitSHA == expected.sha)
        #expect(event.changedPaths == expected.paths)
        #expect(event.pullRequest?.number == expected.pullRequest)
        #expect(event.deliveryID == "d-1")
        if let sender = expected.sender { #expect(event.sender == sender) }
        if expected.fixture != "diagnostics-ping" {
            let keys = try #require(event.repository?.keys)
            #expect(keys.first?.rawValue == expected.key)
        }
        #expect(source.authenticate(headers: headers, body: body, secret: TestWorld.secret))
        #expect(!source.authenticate(headers: headers, body: body, secret: "another secret"))
        let triggers = [
            ForgeEvent.Kind.push, .pullRequest(.opened), .pullRequest(.synchronize), .pullRequest(.reopened),
        ]
        #expect(event.triggers == triggers.contains(expected.kind))
    }

    @Test func providersAreDetected() throws {
        let cloud = try Fixture.bytes("bitbucket-cloud", "repo-push")
        let cloudEvent = try WebhookSource.bitbucket.decode(
            headers: Delivery.headers(forge: "bitbucket-cloud", event: "repo:push", body: cloud, secret: "s"),
            body: cloud)
        #expect(cloudEvent.provider == .bitbucketCloud)
        #expect(cloudEvent.repository?.sshURL == "git@bitbucket.org:acme/shop.git")
        let dc = try Fixture.bytes("bitbucket-datacenter", "repo-refs_changed")
        let dcEvent = try WebhookSource.bitbucket.decode(
            headers: Delivery.headers(forge: "bitbucket-datacenter", event: "repo:refs_changed", body: dc, secret: "s"),
            body: dc)
        #expect(dcEvent.provider == .bitbucketDataCenter)
        #expect(dcEvent.repository?.keys.map(\.rawValue).contains("bitbucket.example.com/acme/shop") == true)
    }

    @Test func bitbucketDataCenterPingHasNoRepository() throws {
        let body = try Fixture.bytes("bitbucket-datacenter", "diagnostics-ping")
        let headers = Delivery.headers(
            forge: "bitbucket-datacenter", event: "diagnostics:ping", body: body, secret: "s")
        let event = try WebhookSource.bitbucket.decode(headers: headers, body: body)
        #expect(event.kind == .ping)
        #expect(event.repository == nil)
    }

    @Test func pullRequestsFromForksKeepTheHeadCloneURL() throws {
        let body = try Fixture.bytes("github", "pull_request-opened")
        let event = try WebhookSource.github.decode(
            headers: Delivery.headers(forge: "github", event: "pull_request", body: body, secret: "s"), body: body)
        #expect(event.pullRequest?.headCloneURL == "https://github.com/contrib/Shop.git")
        #expect(event.pullRequest?.url == "https://github.com/Acme/Shop/pull/42")
        #expect(event.repository?.cloneURL == "https://github.com/Acme/Shop.git")
    }

    @Test func gitHubFormEncodedPayloadIsAccepted() throws {
        let json = try Fixture.bytes("github", "push")
        let encoded = PercentEncoding.encode(String(decoding: json, as: UTF8.self))
        let body = Array("payload=\(encoded)".utf8)
        let headers = WebhookHeaders([
            ("Content-Type", "application/x-www-form-urlencoded"), ("X-GitHub-Event", "push"),
            ("X-GitHub-Delivery", "form-1"), ("X-Hub-Signature-256", WebhookSignature.sign(body, secret: "s")),
        ])
        let event = try WebhookSource.github.decode(headers: headers, body: body)
        #expect(event.kind == .push)
        #expect(WebhookSource.github.authenticate(headers: headers, body: body, secret: "s"))
    }

    @Test func missingFieldsAreNamed() throws {
        let body = Array(#"{"ref":"refs/heads/main","after":"abc","repository":{"full_name":"a/b"}}"#.utf8)
        let headers = Delivery.headers(forge: "github", event: "push", body: body, secret: "s")
        #expect(throws: WebhookError.missingField("repository.clone_url")) {
            try WebhookSource.github.decode(headers: headers, body: body)
        }
        let gitlab = Array(#"{"object_kind":"push","ref":"refs/heads/main"}"#.utf8)
        let error = #expect(throws: WebhookError.self) {
            try WebhookSource.gitlab.decode(
                headers: Delivery.headers(forge: "gitlab", event: "Push Hook", body: gitlab, secret: "s"), body: gitlab)
        }
        #expect(error?.status == 400)
        #expect(error?.message == "missing field project (expected an object)")
    }

    @Test func invalidJSONNamesTheByte() throws {
        let body = Array(#"{"ref": "refs/heads/main", "after" "x"}"#.utf8)
        let headers = Delivery.headers(forge: "github", event: "push", body: body, secret: "s")
        let error = #expect(throws: WebhookError.self) { try WebhookSource.github.decode(headers: headers, body: body) }
        #expect(error?.message == "invalid JSON at byte 35: expected ':' after object key")
        #expect(error?.status == 400)
    }

    @Test func missingSignatureIsUnauthorizedBeforeParsing() throws {
        let headers = WebhookHeaders([("X-GitHub-Event", "push"), ("Content-Type", "application/json")])
        let error = #expect(throws: WebhookError.self) {
            try WebhookSource.github.decode(headers: headers, body: Array("not json".utf8))
        }
        #expect(error?.status == 401)
    }

    @Test func unsupportedMediaType() throws {
        let body = Array("<xml/>".utf8)
        var pairs = [("Content-Type", "application/xml"), ("X-Gitlab-Event", "Push Hook"), ("X-Gitlab-Token", "s")]
        let error = #expect(throws: WebhookError.self) {
            try WebhookSource.gitlab.decode(headers: WebhookHeaders(pairs), body: body)
        }
        #expect(error?.status == 415)
        pairs[0].1 = "application/x-www-form-urlencoded"
        #expect(throws: WebhookError.self) {
            try WebhookSource.gitlab.decode(headers: WebhookHeaders(pairs), body: body)
        }
    }

    @Test func gitLabTruncatedCommitListGivesNoPaths() throws {
        var text = String(decoding: try Fixture.bytes("gitlab", "push"), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"total_commits_count\": 2", with: "\"total_commits_count\": 40")
        let body = Array(text.utf8)
        let event = try WebhookSource.gitlab.decode(
            headers: Delivery.headers(forge: "gitlab", event: "Push Hook", body: body, secret: "s"), body: body)
        #expect(event.kind == .push)
        #expect(event.changedPaths == nil)
    }

    @Test func deliveryIDFallsBackToABodyDigest() throws {
        let body = try Fixture.bytes("gitlab", "push")
        let headers = WebhookHeaders([("X-Gitlab-Event", "Push Hook"), ("X-Gitlab-Token", "s")])
        let first = try WebhookSource.gitlab.decode(headers: headers, body: body)
        let second = try WebhookSource.gitlab.decode(headers: headers, body: body)
        #expect(first.deliveryID.hasPrefix("sha256-"))
        #expect(first.deliveryID == second.deliveryID)
        let idempotent = WebhookHeaders([
            ("X-Gitlab-Event", "Push Hook"), ("X-Gitlab-Token", "s"), ("Idempotency-Key", "k-1"),
            ("X-Gitlab-Event-UUID", "e-1"),
        ])
        #expect(try WebhookSource.gitlab.decode(headers: idempotent, body: body).deliveryID == "k-1")
    }
}
