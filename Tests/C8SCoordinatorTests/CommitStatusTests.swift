import AsyncHTTPClient
import C8SCoordinator
import C8SKube
import C8STestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// A fake forge API: records every request and answers with scripted status codes (then 201).
actor RecordingForge {
    struct Recorded: Sendable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: JSONValue?
    }

    private(set) var requests: [Recorded] = []
    private var script: [Int]

    init(script: [Int] = []) {
        self.script = script
    }

    func record(_ request: Recorded) -> Int {
        requests.append(request)
        return script.isEmpty ? 201 : script.removeFirst()
    }

    /// Runs `body` with the forge listening on a free loopback port.
    static func withServer<T: Sendable>(
        script: [Int] = [], _ body: @escaping @Sendable (RecordingForge, Int) async throws -> T
    ) async throws -> T {
        let forge = RecordingForge(script: script)
        let router = Router()
        router.post("**") { request, _ -> Response in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let body = try? JSONParser().parse(Array(bytes.readableBytesView))
            let code = await forge.record(
                Recorded(method: "POST", path: request.head.path ?? "", headers: headers, body: body))
            return Response(
                status: HTTPResponse.Status(code: code), headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: code < 300 ? "{\"id\":1}" : "{\"message\":\"nope\"}"))
            )
        }
        let app = Application(router: router, logger: quietLogger)
        return try await app.test(.live) { client in
            try await body(forge, try #require(client.port))
        }
    }
}

@Suite("Commit status reporting")
struct CommitStatusTests {
    static let sha = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
    static let fastRetries = CommitStatusReporter.RetryPolicy(
        maximumAttempts: 3, initialBackoff: .milliseconds(5), maximumBackoff: .milliseconds(20),
        requestTimeout: .seconds(5))

    static func status(_ phase: CommitStatusPhase) -> CommitStatus {
        CommitStatus(
            commitSHA: sha, ref: "main", phase: phase, targetURL: "https://c8s.example.com/ci/runs/shop-0123",
            pipelineName: "shop")
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var provider: ForgeProvider
        var repository: String
        var path: String
        var auth: (String, String)
        var body: [String: String]
        var testDescription: String { provider.rawValue }
    }

    static let cases: [Case] = [
        Case(
            provider: .github, repository: "https://github.com/Acme/Shop.git", path: "/repos/Acme/Shop/statuses/\(sha)",
            auth: ("authorization", "Bearer t0ken"),
            body: [
                "state": "success", "context": "c8s/shop", "target_url": "https://c8s.example.com/ci/runs/shop-0123",
                "description": "Run succeeded",
            ]),
        Case(
            provider: .gitlab, repository: "git@gitlab.example.com:acme/platform/shop.git",
            path: "/api/v4/projects/acme%2Fplatform%2Fshop/statuses/\(sha)", auth: ("private-token", "t0ken"),
            body: [
                "state": "success", "name": "c8s/shop", "target_url": "https://c8s.example.com/ci/runs/shop-0123",
                "description": "Run succeeded", "ref": "main",
            ]),
        Case(
            provider: .bitbucketCloud, repository: "https://bitbucket.org/acme/shop",
            path: "/2.0/repositories/acme/shop/commit/\(sha)/statuses/build", auth: ("authorization", "Bearer t0ken"),
            body: [
                "state": "SUCCESSFUL", "key": "c8s/shop", "name": "c8s/shop",
                "url": "https://c8s.example.com/ci/runs/shop-0123", "description": "Run succeeded",
            ]),
        Case(
            provider: .bitbucketDataCenter, repository: "https://bitbucket.example.com/scm/acme/shop.git",
            path: "/rest/build-status/1.0/commits/\(sha)", auth: ("authorization", "Bearer t0ken"),
            body: [
                "state": "SUCCESSFUL", "key": "c8s/shop", "name": "c8s/shop",
                "url": "https://c8s.example.com/ci/runs/shop-0123", "description": "Run succeeded",
            ]),
        Case(
            provider: .gitea, repository: "https://gitea.example.com:3000/gitea/shop.git",
            path: "/api/v1/repos/gitea/shop/statuses/\(sha)", auth: ("authorization", "token t0ken"),
            body: [
                "state": "success", "context": "c8s/shop", "target_url": "https://c8s.example.com/ci/runs/shop-0123",
                "description": "Run succeeded",
            ]),
    ]

    @Test(arguments: cases)
    func postsTheDocumentedRequest(_ testCase: Case) async throws {
        try await RecordingForge.withServer { forge, port in
            let reporter = CommitStatusReporter(httpClient: .shared, retryPolicy: Self.fastRetries)
            let target = StatusTarget(
                provider: testCase.provider, repository: testCase.repository, apiBaseURL: "http://127.0.0.1:\(port)",
                token: "t0ken")
            let result = await reporter.report(Self.status(.succeeded), to: target, logger: quietLogger)
            #expect(result == .delivered(statusCode: 201, attempts: 1))
            let requests = await forge.requests
            let request = try #require(requests.first)
            #expect(requests.count == 1)
            #expect(request.path == testCase.path)
            #expect(request.headers[testCase.auth.0] == testCase.auth.1)
            #expect(request.headers["content-type"] == "application/json")
            if testCase.provider == .github {
                #expect(request.headers["accept"] == "application/vnd.github+json")
            }
            let body = try #require(request.body)
            for (key, value) in testCase.body {
                #expect(body[key]?.stringValue == value, "\(key)")
            }
            guard case .object(let members) = body else { throw FixtureError(message: "body is not an object") }
            #expect(Set(members.keys) == Set(testCase.body.keys))
        }
    }

    @Test func retriesAfterA502() async throws {
        try await RecordingForge.withServer(script: [502]) { forge, port in
            let reporter = CommitStatusReporter(httpClient: .shared, retryPolicy: Self.fastRetries)
            let target = StatusTarget(
                provider: .github, repository: "https://github.com/acme/shop", apiBaseURL: "http://127.0.0.1:\(port)",
                token: "t0ken")
            let result = await reporter.report(Self.status(.running), to: target, logger: quietLogger)
            #expect(result == .delivered(statusCode: 201, attempts: 2))
            let requests = await forge.requests
            #expect(requests.count == 2)
            #expect(requests.allSatisfy { $0.body?["state"]?.stringValue == "pending" })
        }
    }

    @Test func givesUpWithoutThrowingIntoTheRun() async throws {
        try await RecordingForge.withServer(script: [502, 503, 500, 500]) { forge, port in
            let reporter = CommitStatusReporter(httpClient: .shared, retryPolicy: Self.fastRetries)
            let target = StatusTarget(
                provider: .gitea, repository: "https://gitea.example.com/gitea/shop",
                apiBaseURL: "http://127.0.0.1:\(port)",
                token: "t0ken")
            let result = await reporter.report(Self.status(.failed), to: target, logger: quietLogger)
            guard case .failed(let attempts, let reason) = result else {
                Issue.record("expected a failure, got \(result)")
                return
            }
            #expect(attempts == 3)
            #expect(reason.hasPrefix("HTTP 500"))
            #expect(!reason.contains("t0ken"))
            #expect(await forge.requests.count == 3)
        }
    }

    @Test func clientErrorsAreNotRetried() async throws {
        try await RecordingForge.withServer(script: [401]) { forge, port in
            let reporter = CommitStatusReporter(httpClient: .shared, retryPolicy: Self.fastRetries)
            let target = StatusTarget(
                provider: .gitlab, repository: "https://gitlab.example.com/acme/shop",
                apiBaseURL: "http://127.0.0.1:\(port)",
                token: "t0ken")
            let result = await reporter.report(Self.status(.cancelled), to: target, logger: quietLogger)
            #expect(result == .rejected(statusCode: 401, message: "{\"message\":\"nope\"}", attempts: 1))
            #expect(await forge.requests.first?.body?["state"]?.stringValue == "canceled")
            #expect(await forge.requests.count == 1)
        }
    }

    @Test func networkErrorsAreRetriedThenReported() async throws {
        // Find a port nobody listens on: start a server, note its port, stop it.
        let port = try await RecordingForge.withServer { _, port in port }
        // AsyncHTTPClient keeps retrying a refused connection until the request deadline: keep it short.
        var policy = Self.fastRetries
        policy.requestTimeout = .milliseconds(300)
        let reporter = CommitStatusReporter(httpClient: .shared, retryPolicy: policy)
        let target = StatusTarget(
            provider: .bitbucketCloud, repository: "https://bitbucket.org/acme/shop",
            apiBaseURL: "http://127.0.0.1:\(port)", token: "t0ken")
        let result = await reporter.report(Self.status(.succeeded), to: target, logger: quietLogger)
        guard case .failed(let attempts, _) = result else {
            Issue.record("expected a failure, got \(result)")
            return
        }
        #expect(attempts == 3)
    }

    @Test func logsNeverContainTheToken() async throws {
        let lines = CapturedLogs()
        var captureLogger = Logger(label: "c8s.test.capture") { label in lines.handler(label: label) }
        captureLogger.logLevel = .trace
        let logger = captureLogger
        try await RecordingForge.withServer(script: [500, 403]) { _, port in
            let reporter = CommitStatusReporter(httpClient: .shared, retryPolicy: Self.fastRetries)
            let target = StatusTarget(
                provider: .github, repository: "https://github.com/acme/shop", apiBaseURL: "http://127.0.0.1:\(port)",
                token: "super-secret-token")
            _ = await reporter.report(Self.status(.succeeded), to: target, logger: logger)
        }
        let text = lines.text
        #expect(!text.isEmpty)
        #expect(!text.contains("super-secret-token"))
        #expect(
            !StatusTarget(provider: .github, repository: "r", token: "super-secret-token").description.contains("super")
        )
    }

    @Test(arguments: [
        (ForgeProvider.github, "https://github.com/acme/shop.git", "https://api.github.com"),
        (.github, "git@github.com:acme/shop.git", "https://api.github.com"),
        (.github, "https://ghe.example.com/acme/shop", "https://ghe.example.com/api/v3"),
        (.github, "git@ghe.example.com:acme/shop.git", "https://ghe.example.com/api/v3"),
        (.gitlab, "https://gitlab.com/acme/shop.git", "https://gitlab.com"),
        (.gitlab, "http://gitlab.local:8080/acme/shop.git", "http://gitlab.local:8080"),
        (.gitea, "ssh://git@gitea.example.com:2222/gitea/shop.git", "https://gitea.example.com"),
        (.gitea, "https://gitea.example.com:3000/gitea/shop.git", "https://gitea.example.com:3000"),
        (.bitbucketCloud, "git@bitbucket.org:acme/shop.git", "https://api.bitbucket.org"),
        (.bitbucketDataCenter, "https://bitbucket.example.com/scm/acme/shop.git", "https://bitbucket.example.com"),
        (.bitbucketDataCenter, "https://example.com/bitbucket/scm/acme/shop.git", "https://example.com/bitbucket"),
    ])
    func derivesTheAPIBase(provider: ForgeProvider, repository: String, base: String) {
        #expect(ForgeAPI.baseURL(provider: provider, repository: repository) == base)
    }

    @Test func phaseMappingPerForge() {
        let expected: [ForgeProvider: [String]] = [
            .github: ["pending", "pending", "success", "failure", "error", "error"],
            .gitlab: ["pending", "running", "success", "failed", "canceled", "failed"],
            .bitbucketCloud: ["INPROGRESS", "INPROGRESS", "SUCCESSFUL", "FAILED", "STOPPED", "FAILED"],
            .bitbucketDataCenter: ["INPROGRESS", "INPROGRESS", "SUCCESSFUL", "FAILED", "FAILED", "FAILED"],
            .gitea: ["pending", "pending", "success", "failure", "error", "error"],
        ]
        for (provider, states) in expected {
            #expect(CommitStatusPhase.allCases.map { ForgeStatusState.state(for: $0, provider: provider) } == states)
        }
    }

    @Test func longContextsFitBitbucketKeys() throws {
        let status = CommitStatus(
            commitSHA: Self.sha, phase: .running, pipelineName: String(repeating: "very-long-pipeline-name-", count: 3))
        let request = try StatusRequest.make(
            status: status,
            target: StatusTarget(provider: .bitbucketCloud, repository: "https://bitbucket.org/a/b", token: "t"))
        let body = try JSONParser().parse(Array(request.body.utf8))
        let key = try #require(body["key"]?.stringValue)
        #expect(key.count <= 40)
        #expect(request.url == "https://api.bitbucket.org/2.0/repositories/a/b/commit/\(Self.sha)/statuses/build")
    }

    @Test func statusFromAnEvent() throws {
        let body = try Fixture.bytes("gitlab", "merge_request-update")
        let event = try WebhookSource.gitlab.decode(
            headers: Delivery.headers(forge: "gitlab", event: "Merge Request Hook", body: body, secret: "s"), body: body
        )
        let status = try #require(CommitStatus(event: event, pipelineName: "shop", phase: .running))
        #expect(status.commitSHA == Self.sha)
        #expect(status.ref == "feature/checkout")
        let request = try StatusRequest.make(
            status: status,
            target: StatusTarget(
                provider: .gitlab, repository: "https://gitlab.example.com/acme/platform/shop", token: "t"))
        #expect(request.url == "https://gitlab.example.com/api/v4/projects/acme%2Fplatform%2Fshop/statuses/\(Self.sha)")
        #expect(try JSONParser().parse(Array(request.body.utf8))["state"]?.stringValue == "running")
        var deletion = event
        deletion.commitSHA = nil
        #expect(CommitStatus(event: deletion, pipelineName: "shop", phase: .running) == nil)
    }
}
