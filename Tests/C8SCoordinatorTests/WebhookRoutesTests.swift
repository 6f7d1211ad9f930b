import C8SCoordinator
import C8SCore
import C8SKube
import C8STestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@Suite("Webhook routes")
struct WebhookRoutesTests {
    static func application(
        runs: InMemoryRunCreator, pipeline: PipelineSpec = TestWorld.pipeline, maximumBodySize: Int = 25 * 1024 * 1024
    ) -> some ApplicationProtocol {
        let router = Router()
        WebhookRoutes(
            receiver: TestWorld.receiver(runs: runs, pipeline: pipeline),
            configuration: .init(maximumBodySize: maximumBodySize), logger: quietLogger
        ).register(on: router)
        return Application(router: router, logger: quietLogger)
    }

    static func fields(_ pairs: [(String, String)]) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in pairs {
            fields.append(HTTPField(name: HTTPField.Name(name)!, value: value))
        }
        return fields
    }

    static func json(_ buffer: ByteBuffer) throws -> JSONValue {
        try JSONParser().parse(Array(buffer.readableBytesView))
    }

    /// Every forge's triggering fixtures: (forge, path, fixture, event header).
    static let triggering: [(String, String, String, String)] = [
        ("github", "github", "push", "push"),
        ("github", "github", "pull_request-opened", "pull_request"),
        ("github", "github", "pull_request-synchronize", "pull_request"),
        ("github", "github", "pull_request-reopened", "pull_request"),
        ("gitlab", "gitlab", "push", "Push Hook"),
        ("gitlab", "gitlab", "merge_request-open", "Merge Request Hook"),
        ("gitlab", "gitlab", "merge_request-update", "Merge Request Hook"),
        ("gitlab", "gitlab", "merge_request-reopen", "Merge Request Hook"),
        ("bitbucket-cloud", "bitbucket", "repo-push", "repo:push"),
        ("bitbucket-cloud", "bitbucket", "pullrequest-created", "pullrequest:created"),
        ("bitbucket-cloud", "bitbucket", "pullrequest-updated", "pullrequest:updated"),
        ("bitbucket-datacenter", "bitbucket", "repo-refs_changed", "repo:refs_changed"),
        ("bitbucket-datacenter", "bitbucket", "pr-opened", "pr:opened"),
        ("bitbucket-datacenter", "bitbucket", "pr-from_ref_updated", "pr:from_ref_updated"),
        ("gitea", "gitea", "push", "push"),
        ("gitea", "gitea", "pull_request-opened", "pull_request"),
        ("gitea", "gitea", "pull_request-synchronized", "pull_request"),
        ("gitea", "gitea", "pull_request-reopened", "pull_request"),
    ]

    /// Acknowledged without a run: (forge, path, fixture, event header).
    static let acknowledged: [(String, String, String, String)] = [
        ("github", "github", "ping", "ping"),
        ("github", "github", "push-tag", "push"),
        ("github", "github", "push-branch-deleted", "push"),
        ("github", "github", "pull_request-closed", "pull_request"),
        ("gitlab", "gitlab", "tag_push", "Tag Push Hook"),
        ("gitlab", "gitlab", "push-branch-deleted", "Push Hook"),
        ("gitlab", "gitlab", "merge_request-close", "Merge Request Hook"),
        ("gitlab", "gitlab", "merge_request-update-title", "Merge Request Hook"),
        ("bitbucket-cloud", "bitbucket", "repo-push-tag", "repo:push"),
        ("bitbucket-cloud", "bitbucket", "repo-push-branch-deleted", "repo:push"),
        ("bitbucket-cloud", "bitbucket", "pullrequest-fulfilled", "pullrequest:fulfilled"),
        ("bitbucket-cloud", "bitbucket", "pullrequest-rejected", "pullrequest:rejected"),
        ("bitbucket-datacenter", "bitbucket", "repo-refs_changed-tag", "repo:refs_changed"),
        ("bitbucket-datacenter", "bitbucket", "repo-refs_changed-branch-deleted", "repo:refs_changed"),
        ("bitbucket-datacenter", "bitbucket", "pr-declined", "pr:declined"),
        ("bitbucket-datacenter", "bitbucket", "pr-merged", "pr:merged"),
        ("bitbucket-datacenter", "bitbucket", "diagnostics-ping", "diagnostics:ping"),
        ("gitea", "gitea", "push-tag", "push"),
        ("gitea", "gitea", "delete", "delete"),
        ("gitea", "gitea", "pull_request-closed", "pull_request"),
    ]

    @Test func triggeringEventsCreateRunsOnceAndDuplicatesDoNot() async throws {
        let runs = InMemoryRunCreator()
        try await Self.application(runs: runs).test(.router) { client in
            for (index, (forge, path, fixture, event)) in Self.triggering.enumerated() {
                let body = try Fixture.bytes(forge, fixture)
                let delivery = "delivery-\(index)"
                let headers = Self.fields(
                    Delivery.pairs(forge: forge, event: event, body: body, secret: TestWorld.secret, delivery: delivery)
                )
                let first = try await client.execute(
                    uri: "/webhooks/\(path)", method: .post, headers: headers, body: ByteBuffer(bytes: body))
                #expect(first.status == .accepted, "\(forge)/\(fixture): \(String(buffer: first.body))")
                let answer = try Self.json(first.body)
                let names = try #require(answer["runs"]?.arrayValue).compactMap(\.stringValue)
                #expect(names.count == 1)
                #expect(names.first?.hasPrefix("shop-") == true)
                let again = try await client.execute(
                    uri: "/webhooks/\(path)", method: .post, headers: headers, body: ByteBuffer(bytes: body))
                #expect(again.status == .ok, "\(forge)/\(fixture) redelivered")
                #expect(try Self.json(again.body)["status"]?.stringValue == "duplicate")
                #expect(try Self.json(again.body)["runs"]?.arrayValue?.compactMap(\.stringValue) == names)
            }
        }
        let requests = await runs.requests
        #expect(requests.count == Self.triggering.count)
        #expect(Set(requests.map(\.runName)).count == Self.triggering.count)
        #expect(requests.allSatisfy { $0.plan.selectedSteps == ["lint", "test"] })
        #expect(requests.first?.connection.name == "shop-github")
        #expect(requests.first?.event.commitSHA == head)
    }

    @Test func acknowledgedEventsCreateNoRun() async throws {
        let runs = InMemoryRunCreator()
        try await Self.application(runs: runs).test(.router) { client in
            for (forge, path, fixture, event) in Self.acknowledged {
                let body = try Fixture.bytes(forge, fixture)
                let headers = Self.fields(
                    Delivery.pairs(forge: forge, event: event, body: body, secret: TestWorld.secret))
                let response = try await client.execute(
                    uri: "/webhooks/\(path)", method: .post, headers: headers, body: ByteBuffer(bytes: body))
                #expect(response.status == .ok, "\(forge)/\(fixture): \(String(buffer: response.body))")
                let status = try Self.json(response.body)["status"]?.stringValue
                #expect(status == (event.contains("ping") ? "ping" : "ignored"), "\(forge)/\(fixture)")
            }
        }
        #expect(await runs.count == 0)
    }

    @Test func badOrMissingSignatureIs401() async throws {
        let runs = InMemoryRunCreator()
        try await Self.application(runs: runs).test(.router) { client in
            for (forge, path, fixture, event) in Self.triggering {
                let body = try Fixture.bytes(forge, fixture)
                let wrong = Self.fields(Delivery.pairs(forge: forge, event: event, body: body, secret: "guess"))
                let response = try await client.execute(
                    uri: "/webhooks/\(path)", method: .post, headers: wrong, body: ByteBuffer(bytes: body))
                #expect(response.status == .unauthorized, "\(forge)/\(fixture)")
                let stripped = Self.fields(
                    Delivery.pairs(forge: forge, event: event, body: body, secret: TestWorld.secret).filter {
                        ![
                            "x-hub-signature-256", "x-hub-signature", "x-gitlab-token", "x-gitea-signature",
                            "x-forgejo-signature",
                        ].contains($0.0.lowercased())
                    })
                let missing = try await client.execute(
                    uri: "/webhooks/\(path)", method: .post, headers: stripped, body: ByteBuffer(bytes: body))
                #expect(missing.status == .unauthorized, "\(forge)/\(fixture) unsigned")
            }
            // A body altered after signing.
            var body = try Fixture.bytes("github", "push")
            let headers = Self.fields(
                Delivery.pairs(forge: "github", event: "push", body: body, secret: TestWorld.secret))
            body[body.count / 2] ^= 0x01
            let tampered = try await client.execute(
                uri: "/webhooks/github", method: .post, headers: headers, body: ByteBuffer(bytes: body))
            #expect([400, 401].contains(tampered.status.code))
        }
        #expect(await runs.count == 0)
    }

    /// A body that names no connected repository is refused like a bad signature before anything parses it;
    /// once the signature is good, malformed JSON and missing fields are 400 naming the offset or field.
    @Test func malformedBodyIs400WithTheReasonOnlyOnceAuthenticated() async throws {
        let runs = InMemoryRunCreator()
        let refusal = "X-Hub-Signature-256 does not match the webhook secret of a github repository connection"
        try await Self.application(runs: runs).test(.router) { client in
            let broken = Array(#"{"ref": "refs/heads/main",, }"#.utf8)
            let response = try await client.execute(
                uri: "/webhooks/github", method: .post,
                headers: Self.fields(
                    Delivery.pairs(forge: "github", event: "push", body: broken, secret: TestWorld.secret)),
                body: ByteBuffer(bytes: broken))
            #expect(response.status == .unauthorized)
            #expect(try Self.json(response.body)["error"]?.stringValue == refusal)
            let clone = #""repository":{"clone_url":"https://github.com/Acme/Shop.git"}"#
            let signed = Array(#"{"ref": "refs/heads/main", \#(clone),, }"#.utf8)
            let malformed = try await client.execute(
                uri: "/webhooks/github", method: .post,
                headers: Self.fields(
                    Delivery.pairs(forge: "github", event: "push", body: signed, secret: TestWorld.secret)),
                body: ByteBuffer(bytes: signed))
            #expect(malformed.status == .badRequest)
            #expect(try Self.json(malformed.body)["error"]?.stringValue?.hasPrefix("invalid JSON at byte") == true)
            let missing = Array(#"{"ref":"refs/heads/main","after":"abc",\#(clone)}"#.utf8)
            let second = try await client.execute(
                uri: "/webhooks/github", method: .post,
                headers: Self.fields(
                    Delivery.pairs(forge: "github", event: "push", body: missing, secret: TestWorld.secret)),
                body: ByteBuffer(bytes: missing))
            #expect(second.status == .badRequest)
            #expect(
                try Self.json(second.body)["error"]?.stringValue
                    == "commit \"abc\" is not a commit id (40 or 64 lowercase hexadecimal digits)")
        }
        #expect(await runs.count == 0)
    }

    @Test func unknownRepositoryIs401LikeABadSignature() async throws {
        let runs = InMemoryRunCreator()
        try await Self.application(runs: runs).test(.router) { client in
            let text = String(decoding: try Fixture.bytes("github", "push"), as: UTF8.self)
                .replacingOccurrences(of: "Acme/Shop", with: "Acme/Other")
            let body = Array(text.utf8)
            let response = try await client.execute(
                uri: "/webhooks/github", method: .post,
                headers: Self.fields(
                    Delivery.pairs(forge: "github", event: "push", body: body, secret: TestWorld.secret)),
                body: ByteBuffer(bytes: body))
            let original = try Fixture.bytes("github", "push")
            let forged = try await client.execute(
                uri: "/webhooks/github", method: .post,
                headers: Self.fields(
                    Delivery.pairs(forge: "github", event: "push", body: original, secret: "a guess")),
                body: ByteBuffer(bytes: original))
            #expect(response.status == .unauthorized)
            #expect(forged.status == .unauthorized)
            #expect(String(buffer: response.body) == String(buffer: forged.body))
            // A GitHub payload posted to the GitLab endpoint finds no GitLab connection.
            let github = try Fixture.bytes("github", "push")
            var pairs = Delivery.pairs(forge: "github", event: "push", body: github, secret: TestWorld.secret)
            pairs.append(("X-Gitlab-Token", TestWorld.secret))
            pairs.append(("X-Gitlab-Event", "Push Hook"))
            let crossed = try await client.execute(
                uri: "/webhooks/gitlab", method: .post, headers: Self.fields(pairs), body: ByteBuffer(bytes: github))
            #expect(crossed.status == .unauthorized)
        }
        #expect(await runs.count == 0)
    }

    /// Commits and refs are checked as git checks them, after authentication.
    @Test func hostileCommitsAndBranchesAre400() async throws {
        let runs = InMemoryRunCreator()
        try await Self.application(runs: runs).test(.router) { client in
            let original = String(decoding: try Fixture.bytes("github", "push"), as: UTF8.self)
            let head = try #require(
                Self.json(ByteBuffer(string: original))["after"]?.stringValue)
            let cases: [(String, String)] = [
                (
                    original.replacingOccurrences(of: head, with: "../../etc/passwd"),
                    "commit \"../../etc/passwd\" is not a commit id (40 or 64 lowercase hexadecimal digits)"
                ),
                (
                    original.replacingOccurrences(of: head, with: String(head.dropLast()) + "\\u0000"),
                    "commit \"\(head.dropLast())\\u{0}\" is not a commit id (40 or 64 lowercase hexadecimal digits)"
                ),
                (
                    original.replacingOccurrences(
                        of: "refs/heads/main", with: "refs/heads/" + String(repeating: "b", count: 65_536)),
                    "branch \"\(String(repeating: "b", count: 64))…\" is not a valid git ref name: it is 65536 bytes; "
                        + "the limit is 255 bytes (maxNameBytes)"
                ),
                (
                    original.replacingOccurrences(of: "refs/heads/main", with: "refs/heads/a..b"),
                    "branch \"a..b\" is not a valid git ref name: it cannot hold \"..\""
                ),
            ]
            for (text, message) in cases {
                let body = Array(text.utf8)
                let response = try await client.execute(
                    uri: "/webhooks/github", method: .post,
                    headers: Self.fields(
                        Delivery.pairs(forge: "github", event: "push", body: body, secret: TestWorld.secret)),
                    body: ByteBuffer(bytes: body))
                #expect(response.status == .badRequest)
                #expect(try Self.json(response.body)["error"]?.stringValue == message)
            }
        }
        #expect(await runs.count == 0)
    }

    @Test func oversizedBodyIs413() async throws {
        let runs = InMemoryRunCreator()
        // Default 25 MiB limit, body one byte over, streamed in pieces without Content-Length.
        try await Self.application(runs: runs).test(.router) { client in
            let size = 25 * 1024 * 1024 + 1
            let body = [UInt8](repeating: UInt8(ascii: " "), count: size)
            let headers = Self.fields(
                Delivery.pairs(forge: "github", event: "push", body: [], secret: TestWorld.secret))
            let response = try await client.execute(
                uri: "/webhooks/github", method: .post, headers: headers, body: ByteBuffer(bytes: body))
            #expect(response.status == .contentTooLarge)
        }
        // A declared Content-Length above the limit is refused before reading, over a live connection.
        try await Self.application(runs: runs, maximumBodySize: 1024).test(.live) { client in
            let body = try Fixture.bytes("github", "push")
            #expect(body.count > 1024)
            let headers = Self.fields(
                Delivery.pairs(forge: "github", event: "push", body: body, secret: TestWorld.secret))
            let response = try await client.execute(
                uri: "/webhooks/github", method: .post, headers: headers, body: ByteBuffer(bytes: body))
            #expect(response.status == .contentTooLarge)
        }
        #expect(await runs.count == 0)
    }

    @Test func wrongMethodAndMediaType() async throws {
        let runs = InMemoryRunCreator()
        try await Self.application(runs: runs).test(.router) { client in
            let get = try await client.execute(uri: "/webhooks/gitea", method: .get)
            #expect(get.status == .methodNotAllowed)
            #expect(get.headers[.allow] == "POST")
            let body = Array("<push/>".utf8)
            var pairs = Delivery.pairs(forge: "gitea", event: "push", body: body, secret: TestWorld.secret)
            pairs.removeAll { $0.0 == "Content-Type" }
            pairs.append(("Content-Type", "text/xml"))
            let xml = try await client.execute(
                uri: "/webhooks/gitea", method: .post, headers: Self.fields(pairs), body: ByteBuffer(bytes: body))
            #expect(xml.status == .unsupportedMediaType)
        }
    }

    @Test func filtersDecideWhichStepsRun() async throws {
        let runs = InMemoryRunCreator()
        let pipeline = PipelineSpec(
            branches: ["main"],
            steps: [
                PipelineStep(name: "build"),
                PipelineStep(name: "api-tests", dependsOn: ["build"], when: WhenCondition(paths: ["services/**"])),
                PipelineStep(name: "web-tests", dependsOn: ["build"], when: WhenCondition(paths: ["web/**"])),
                PipelineStep(name: "charts", when: WhenCondition(paths: ["charts/**"])),
                PipelineStep(name: "release", dependsOn: ["charts"]),
            ])
        try await Self.application(runs: runs, pipeline: pipeline).test(.router) { client in
            let body = try Fixture.bytes("gitlab", "push")
            let response = try await client.execute(
                uri: "/webhooks/gitlab", method: .post,
                headers: Self.fields(
                    Delivery.pairs(forge: "gitlab", event: "Push Hook", body: body, secret: TestWorld.secret)),
                body: ByteBuffer(bytes: body))
            #expect(response.status == .accepted)
            let skipped = try #require(try Self.json(response.body)["skipped"]?.arrayValue)
            #expect(skipped.compactMap { $0["step"]?.stringValue } == ["charts", "release"])
            // A merge request into a branch the pipeline does not list: acknowledged, no run.
            let mr = Array(
                String(decoding: try Fixture.bytes("gitlab", "merge_request-open"), as: UTF8.self)
                    .replacingOccurrences(of: "\"target_branch\": \"main\"", with: "\"target_branch\": \"legacy\"").utf8
            )
            let ignored = try await client.execute(
                uri: "/webhooks/gitlab", method: .post,
                headers: Self.fields(
                    Delivery.pairs(forge: "gitlab", event: "Merge Request Hook", body: mr, secret: TestWorld.secret)),
                body: ByteBuffer(bytes: mr))
            #expect(ignored.status == .ok)
            #expect(try Self.json(ignored.body)["status"]?.stringValue == "ignored")
        }
        let requests = await runs.requests
        #expect(requests.count == 1)
        #expect(requests.first?.plan.selectedSteps == ["build", "api-tests", "web-tests"])
    }

    @Test func concurrentRedeliveriesCreateOneRun() async throws {
        let runs = InMemoryRunCreator()
        try await Self.application(runs: runs).test(.live) { client in
            let body = try Fixture.bytes("gitea", "push")
            let headers = Self.fields(
                Delivery.pairs(forge: "gitea", event: "push", body: body, secret: TestWorld.secret, delivery: "same"))
            let statuses = try await withThrowingTaskGroup(of: UInt16.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let response = try await client.execute(
                            uri: "/webhooks/gitea", method: .post, headers: headers, body: ByteBuffer(bytes: body))
                        return UInt16(response.status.code)
                    }
                }
                var collected: [UInt16] = []
                for try await status in group { collected.append(status) }
                return collected
            }
            #expect(statuses.filter { $0 == 202 }.count == 1)
            #expect(statuses.filter { $0 == 200 }.count == 7)
        }
        #expect(await runs.count == 1)
    }

    @Test func receiverLogsNeverContainTheSecret() async throws {
        let lines = CapturedLogs()
        var captureLogger = Logger(label: "c8s.test.webhooks") { label in lines.handler(label: label) }
        captureLogger.logLevel = .trace
        let runs = InMemoryRunCreator()
        let receiver = TestWorld.receiver(runs: runs)
        let body = try Fixture.bytes("gitlab", "push")
        for secret in [TestWorld.secret, "a-wrong-token-value"] {
            let headers = Delivery.headers(forge: "gitlab", event: "Push Hook", body: body, secret: secret)
            _ = await receiver.receive(source: .gitlab, headers: headers, body: body, logger: captureLogger)
        }
        #expect(await runs.count == 1)
        #expect(lines.text.contains("runs created"))
        #expect(!lines.text.contains(TestWorld.secret))
        #expect(!lines.text.contains("a-wrong-token-value"))
        #expect(!"\(TestWorld.connections[0])".contains(TestWorld.secret))
    }
}
