import C8SCoordinator
import C8SCore
import Foundation
import Logging

/// Loads webhook payload fixtures from `Fixtures/<forge>/<name>.json`.
enum Fixture {
    static func bytes(_ forge: String, _ name: String) throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures/\(forge)")
        else { throw FixtureError(message: "no fixture \(forge)/\(name).json") }
        return Array(try Data(contentsOf: url))
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Builds the headers each forge sends with a delivery, signed with `secret`.
enum Delivery {
    static func headers(
        forge: String, event: String, body: [UInt8], secret: String, delivery: String = UUID().uuidString
    ) -> WebhookHeaders {
        WebhookHeaders(pairs(forge: forge, event: event, body: body, secret: secret, delivery: delivery))
    }

    static func pairs(
        forge: String, event: String, body: [UInt8], secret: String, delivery: String = UUID().uuidString
    ) -> [(String, String)] {
        switch forge {
        case "github":
            return [
                ("Content-Type", "application/json"), ("X-GitHub-Event", event), ("X-GitHub-Delivery", delivery),
                ("X-GitHub-Hook-ID", "109948940"), ("User-Agent", "GitHub-Hookshot/abc"),
                ("X-Hub-Signature-256", WebhookSignature.sign(body, secret: secret)),
            ]
        case "gitlab":
            return [
                ("Content-Type", "application/json"), ("X-Gitlab-Event", event), ("X-Gitlab-Token", secret),
                ("X-Gitlab-Event-UUID", delivery), ("X-Gitlab-Webhook-UUID", UUID().uuidString),
                ("X-Gitlab-Instance", "https://gitlab.example.com"),
            ]
        case "bitbucket-cloud":
            return [
                ("Content-Type", "application/json"), ("X-Event-Key", event), ("X-Request-UUID", delivery),
                ("X-Hook-UUID", "{5a9f2f06-0000-4000-8000-00000000000a}"), ("X-Attempt-Number", "1"),
                ("X-Hub-Signature", WebhookSignature.sign(body, secret: secret)),
                ("User-Agent", "Bitbucket-Webhooks/2.0"),
            ]
        case "bitbucket-datacenter":
            return [
                ("Content-Type", "application/json; charset=utf-8"), ("X-Event-Key", event), ("X-Request-Id", delivery),
                ("X-Hub-Signature", WebhookSignature.sign(body, secret: secret)),
            ]
        case "gitea":
            let signature = WebhookSignature.sign(body, secret: secret, prefixed: false)
            return [
                ("Content-Type", "application/json"), ("X-Gitea-Event", event), ("X-Gitea-Delivery", delivery),
                ("X-Gitea-Signature", signature), ("X-Forgejo-Event", event), ("X-Forgejo-Delivery", delivery),
                ("X-Forgejo-Signature", signature), ("X-Gitea-Event-Type", event),
            ]
        default:
            fatalError("unknown forge \(forge)")
        }
    }

    static func source(forge: String) -> WebhookSource {
        switch forge {
        case "github": .github
        case "gitlab": .gitlab
        case "bitbucket-cloud", "bitbucket-datacenter": .bitbucket
        default: .gitea
        }
    }
}

/// In-memory repository connections keyed by the canonical repository key.
struct InMemoryConnections: RepositoryConnectionLookup {
    var connections: [ConnectedRepository]

    func connection(for keys: [RepositoryKey]) async throws -> ConnectedRepository? {
        for key in keys {
            if let match = connections.first(where: { $0.key == key }) { return match }
        }
        return nil
    }
}

/// In-memory pipeline configs by `namespace/name`.
struct InMemoryPipelines: PipelineConfigLookup {
    var pipelines: [String: PipelineSpec]

    func pipeline(for connection: ConnectedRepository) async throws -> PipelineSpec? {
        pipelines["\(connection.namespace)/\(connection.pipelineConfigRef)"]
    }
}

/// Records created runs; a second request for the same run name is a duplicate, as with the
/// Kubernetes API's AlreadyExists.
actor InMemoryRunCreator: RunCreator {
    private(set) var requests: [RunRequest] = []
    private var names: [String: [String]] = [:]

    func createRuns(_ request: RunRequest) async throws -> RunCreationResult {
        if let existing = names[request.runName] { return .duplicate(existing) }
        names[request.runName] = [request.runName]
        requests.append(request)
        return .created([request.runName])
    }

    var count: Int { requests.count }
}

/// A logger that drops everything (tests assert on results, not log lines).
let quietLogger = Logger(label: "c8s.test") { _ in SwiftLogNoOpLogHandler() }

/// The standard set of connections the webhook tests use, one per forge, all with `secret`.
enum TestWorld {
    static let secret = "It's a Secret to Everybody"

    static let connections: [ConnectedRepository] = [
        ConnectedRepository(
            name: "shop-github", namespace: "ci", provider: .github, repository: "https://github.com/acme/shop",
            webhookSecret: secret, pipelineConfigRef: "shop"),
        ConnectedRepository(
            name: "shop-gitlab", namespace: "ci", provider: .gitlab,
            repository: "git@gitlab.example.com:acme/platform/shop.git", webhookSecret: secret,
            pipelineConfigRef: "shop"),
        ConnectedRepository(
            name: "shop-bitbucket", namespace: "ci", provider: .bitbucketCloud,
            repository: "https://bitbucket.org/acme/shop", webhookSecret: secret, pipelineConfigRef: "shop"),
        ConnectedRepository(
            name: "shop-bitbucket-dc", namespace: "ci", provider: .bitbucketDataCenter,
            repository: "https://bitbucket.example.com/scm/acme/shop.git", webhookSecret: secret,
            pipelineConfigRef: "shop"),
        ConnectedRepository(
            name: "shop-gitea", namespace: "ci", provider: .gitea,
            repository: "https://gitea.example.com:3000/gitea/shop",
            webhookSecret: secret, pipelineConfigRef: "shop"),
    ]

    static let pipeline = PipelineSpec(
        steps: [
            PipelineStep(name: "lint", image: "golang:1.23", commands: ["go vet ./..."]),
            PipelineStep(name: "test", image: "golang:1.23", commands: ["go test ./..."], dependsOn: ["lint"]),
        ])

    static func receiver(runs: InMemoryRunCreator, pipeline: PipelineSpec = pipeline) -> WebhookReceiver {
        WebhookReceiver(
            connections: InMemoryConnections(connections: connections),
            pipelines: InMemoryPipelines(pipelines: ["ci/shop": pipeline]), runs: runs)
    }
}
