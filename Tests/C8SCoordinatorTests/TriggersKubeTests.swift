import C8SAPI
import C8SCore
import C8SKube
import C8STestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import C8SCoordinator

/// The Kubernetes side of webhooks: RepositoryConnections and Secrets read from the (test) API server,
/// PipelineRuns created there, deduplicated by the API's AlreadyExists.
@Suite("Webhook triggers on Kubernetes")
struct TriggersKubeTests {
    static let secret = "kube-side webhook secret"
    static let pushCommit = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"

    /// lint → test, and deploy only when `deploy/**` changed (the GitHub push fixture changes none).
    static let pipeline = PipelineSpec(steps: [
        step("lint"),
        step("test", after: ["lint"]),
        PipelineStep(
            name: "deploy", image: "alpine:3.20", commands: ["true"],
            when: WhenCondition(paths: ["deploy/**"])),
    ])

    /// Creates the webhook Secret, the PipelineConfig `shop` and a GitHub connection for acme/shop.
    static func seed(_ harness: ReconcilerHarness, repository: String = "https://github.com/acme/shop") async throws {
        _ = try await harness.client.create(
            Secret(
                metadata: ObjectMeta(name: "shop-webhook", namespace: harness.namespace),
                data: ["webhook-secret": Array(secret.utf8)]))
        try await harness.createConfig("shop", pipeline)
        _ = try await harness.client.create(
            C8SAPI.RepositoryConnection(
                metadata: ObjectMeta(name: "shop-github", namespace: harness.namespace),
                spec: .init(
                    repository: repository, provider: .github,
                    webhookSecretRef: SecretKeyReference(name: "shop-webhook", key: "webhook-secret"),
                    pipelineConfigRef: LocalObjectReference(name: "shop"))))
    }

    /// Runs `body` with the webhook routes of `client` (the harness's by default) on a running ``TriggerCache`` of
    /// the harness's namespace, as `buildCoordinator` wires them.
    static func withRoutes<T: Sendable>(
        _ harness: ReconcilerHarness, client: KubeClient? = nil, secretLifetime: Duration = .seconds(10),
        _ body: (WebhookRoutes, TriggerCache) async throws -> T
    ) async throws -> T {
        let client = client ?? harness.client
        let triggers = TriggerCache(
            client: client, namespaces: [harness.namespace], secretLifetime: secretLifetime, logger: quietLogger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await triggers.run() }
            defer { group.cancelAll() }
            let routes = WebhookRoutes.kubernetes(client: client, triggers: triggers, logger: quietLogger)
            return try await body(routes, triggers)
        }
    }

    /// Waits until `triggers` resolves `repository` to a connection (`present`) or to none.
    static func waitForCache(_ triggers: TriggerCache, _ repository: String, present: Bool) async throws {
        let key = try #require(RepositoryKey(repository))
        try await withDeadline(.seconds(10), "the trigger cache to show \(repository)") {
            while (try? await triggers.connection(for: [key])) == nil ? present : !present {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    static func runs(_ harness: ReconcilerHarness) async throws -> [PipelineRun] {
        try await harness.client.list(PipelineRun.self, namespace: harness.namespace).items
    }

    static func pushHeaders(body: [UInt8], delivery: String, secret: String = secret) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in Delivery.pairs(
            forge: "github", event: "push", body: body, secret: secret, delivery: delivery)
        {
            fields.append(HTTPField(name: HTTPField.Name(name)!, value: value))
        }
        return fields
    }

    @Test("a signed push POSTed to the mounted routes creates one PipelineRun; a redelivery is a duplicate")
    func pushCreatesOneRun() async throws {
        try await ReconcilerHarness.with { harness in
            try await Self.seed(harness)
            let router = Router()
            let body = try Fixture.bytes("github", "push")
            let delivery = "72d3162e-cc78-11e3-81ab-4c9367dc0958"
            try await Self.withRoutes(harness) { routes, _ in
                routes.register(on: router)
                try await Application(router: router, logger: quietLogger).test(.router) { client in
                    let first = try await client.execute(
                        uri: "/webhooks/github", method: .post,
                        headers: Self.pushHeaders(body: body, delivery: delivery),
                        body: ByteBuffer(bytes: body))
                    #expect(first.status == .accepted, "\(String(buffer: first.body))")

                    let runs = try await Self.runs(harness)
                    try #require(runs.count == 1)
                    let run = runs[0]
                    let connection = ConnectedRepository(
                        name: "shop-github", namespace: harness.namespace, provider: .github,
                        repository: "https://github.com/acme/shop", webhookSecret: Self.secret,
                        pipelineConfigRef: "shop")
                    #expect(run.metadata.name == RunNaming.runName(connection: connection, deliveryID: delivery))
                    #expect(String(buffer: first.body).contains(run.metadata.name ?? "?"))
                    #expect(run.spec.pipelineConfigRef.name == "shop")
                    #expect(run.spec.commit == Self.pushCommit)
                    #expect(run.spec.branch == "main")
                    #expect(run.spec.event == .push)
                    #expect(run.spec.triggeredBy == "octocat")
                    #expect(run.spec.triggeredAt != nil)
                    #expect(run.metadata.labels?[C8SLabels.pipelineConfig] == "shop")
                    #expect(run.metadata.annotations?[TriggerAnnotations.delivery] == delivery)
                    #expect(SelectedSteps.of(run) == ["lint", "test"])

                    let again = try await client.execute(
                        uri: "/webhooks/github", method: .post,
                        headers: Self.pushHeaders(body: body, delivery: delivery),
                        body: ByteBuffer(bytes: body))
                    #expect(again.status == .ok)
                    #expect(String(buffer: again.body).contains("duplicate"))
                    #expect(try await Self.runs(harness).count == 1)

                    let stored = try await harness.client.get(
                        C8SAPI.RepositoryConnection.self, name: "shop-github", namespace: harness.namespace)
                    let lastEvent = try #require(stored.status?.lastEvent)
                    #expect(lastEvent.type == "push")
                    #expect(lastEvent.deliveryID == delivery)
                    #expect(lastEvent.commit == Self.pushCommit)
                    #expect(lastEvent.branch == "main")
                    #expect(lastEvent.run == run.metadata.name)
                    #expect(lastEvent.receivedAt != nil)
                }
            }
        }
    }

    @Test("the same delivery reaching several replicas concurrently creates one run")
    func concurrentReplicasCreateOneRun() async throws {
        try await ReconcilerHarness.with { harness in
            try await Self.seed(harness)
            let body = try Fixture.bytes("github", "push")
            let headers = Delivery.headers(
                forge: "github", event: "push", body: body, secret: Self.secret, delivery: "concurrent-delivery")
            // Each "replica" has its own receiver and its own client to the API server.
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await withKubeClient(configuration: harness.client.configuration, logger: quietLogger) {
                            client in
                            try await Self.withRoutes(harness, client: client) { routes, _ in
                                await routes.receiver.receive(
                                    source: .github, headers: headers, body: body, logger: quietLogger
                                ).status
                            }
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 202 }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == 200 }.count == 3, "\(statuses)")
            #expect(try await Self.runs(harness).count == 1)
        }
    }

    @Test("an unknown repository and a bad signature get the same 401, and neither creates a run")
    func refusedDeliveriesCreateNoRun() async throws {
        try await ReconcilerHarness.with { harness in
            try await Self.seed(harness, repository: "git@github.com:acme/other.git")
            try await Self.withRoutes(harness) { routes, triggers in
                let receiver = routes.receiver
                let body = try Fixture.bytes("github", "push")
                let unknown = await receiver.receive(
                    source: .github,
                    headers: Delivery.headers(forge: "github", event: "push", body: body, secret: Self.secret),
                    body: body, logger: quietLogger)
                #expect(unknown.status == 401)
                #expect(try await Self.runs(harness).isEmpty)

                _ = try await harness.client.modify(
                    C8SAPI.RepositoryConnection.self, name: "shop-github", namespace: harness.namespace
                ) { $0.spec.repository = "acme/shop" }  // owner/name form: github.com
                try await Self.waitForCache(triggers, "https://github.com/acme/shop", present: true)
                let forged = await receiver.receive(
                    source: .github,
                    headers: Delivery.headers(forge: "github", event: "push", body: body, secret: "a guess"),
                    body: body, logger: quietLogger)
                #expect(forged.status == 401)
                #expect(
                    forged.jsonBody == unknown.jsonBody, "an unknown repository answers exactly like a bad signature")
                #expect(try await Self.runs(harness).isEmpty)
                let stored = try await harness.client.get(
                    C8SAPI.RepositoryConnection.self, name: "shop-github", namespace: harness.namespace)
                #expect(stored.status?.lastEvent == nil)

                let genuine = await receiver.receive(
                    source: .github,
                    headers: Delivery.headers(forge: "github", event: "push", body: body, secret: Self.secret),
                    body: body, logger: quietLogger)
                #expect(genuine.status == 202)
                #expect(try await Self.runs(harness).count == 1)
            }
        }
    }

    /// The API requests the harness's server has answered, by method and resource (watches apart).
    static func requests(_ harness: ReconcilerHarness) -> [String: Int] {
        harness.server.requestCounts.reduce(into: [:]) { counts, entry in
            guard !entry.key.watch else { return }
            counts["\(entry.key.method) \(entry.key.resource)", default: 0] += entry.value
        }
    }

    /// The requests made between `before` and `after`.
    static func difference(_ after: [String: Int], _ before: [String: Int]) -> [String: Int] {
        after.reduce(into: [:]) { made, entry in
            let count = entry.value - before[entry.key, default: 0]
            if count > 0 { made[entry.key] = count }
        }
    }

    @Test("from the caches: a forged delivery makes no API request; an accepted one a run POST and a status PATCH")
    func deliveriesReadTheCaches() async throws {
        try await ReconcilerHarness.with { harness in
            try await Self.seed(harness)
            let body = try Fixture.bytes("github", "push")
            try await Self.withRoutes(harness) { routes, triggers in
                try await Self.waitForCache(triggers, "https://github.com/acme/shop", present: true)
                // The first genuine delivery reads the webhook Secret once.
                let first = await routes.receiver.receive(
                    source: .github,
                    headers: Delivery.headers(
                        forge: "github", event: "push", body: body, secret: Self.secret, delivery: "first"),
                    body: body, logger: quietLogger)
                #expect(first.status == 202)

                let before = Self.requests(harness)
                for attempt in 0..<20 {
                    let forged = await routes.receiver.receive(
                        source: .github,
                        headers: Delivery.headers(
                            forge: "github", event: "push", body: body, secret: "guess \(attempt)",
                            delivery: "forged-\(attempt)"),
                        body: body, logger: quietLogger)
                    #expect(forged.status == 401)
                }
                #expect(Self.difference(Self.requests(harness), before) == [:], "forged deliveries reached the API")

                let accepted = await routes.receiver.receive(
                    source: .github,
                    headers: Delivery.headers(
                        forge: "github", event: "push", body: body, secret: Self.secret, delivery: "second"),
                    body: body, logger: quietLogger)
                #expect(accepted.status == 202)
                #expect(
                    Self.difference(Self.requests(harness), before)
                        == ["POST pipelineruns": 1, "PATCH repositoryconnections/status": 1])
            }
        }
    }

    @Test("a rotated webhook secret is used once the cached value's lifetime is over")
    func rotatedSecretTakesEffect() async throws {
        try await ReconcilerHarness.with { harness in
            try await Self.seed(harness)
            let body = try Fixture.bytes("github", "push")
            try await Self.withRoutes(harness, secretLifetime: .milliseconds(300)) { routes, triggers in
                try await Self.waitForCache(triggers, "https://github.com/acme/shop", present: true)
                let old = await routes.receiver.receive(
                    source: .github,
                    headers: Delivery.headers(
                        forge: "github", event: "push", body: body, secret: Self.secret, delivery: "old"),
                    body: body, logger: quietLogger)
                #expect(old.status == 202)
                _ = try await harness.client.modify(Secret.self, name: "shop-webhook", namespace: harness.namespace) {
                    $0.data = ["webhook-secret": Data("rotated secret".utf8).base64EncodedString()]
                }
                try await Task.sleep(for: .milliseconds(400))
                let stale = await routes.receiver.receive(
                    source: .github,
                    headers: Delivery.headers(
                        forge: "github", event: "push", body: body, secret: Self.secret, delivery: "stale"),
                    body: body, logger: quietLogger)
                #expect(stale.status == 401)
                let rotated = await routes.receiver.receive(
                    source: .github,
                    headers: Delivery.headers(
                        forge: "github", event: "push", body: body, secret: "rotated secret", delivery: "rotated"),
                    body: body, logger: quietLogger)
                #expect(rotated.status == 202)
            }
        }
    }

    @Test("concurrent deliveries leave the newest as lastEvent, written by merge patch without a read or a conflict")
    func lastEventIsTheNewest() async throws {
        try await ReconcilerHarness.with { harness in
            try await Self.seed(harness)
            let body = try Fixture.bytes("github", "push")
            try await Self.withRoutes(harness) { routes, triggers in
                try await Self.waitForCache(triggers, "https://github.com/acme/shop", present: true)
                let before = Self.requests(harness)
                let statuses = await withTaskGroup(of: Int.self) { group in
                    for index in 0..<30 {
                        group.addTask {
                            await routes.receiver.receive(
                                source: .github,
                                headers: Delivery.headers(
                                    forge: "github", event: "push", body: body, secret: Self.secret,
                                    delivery: "burst-\(index)"),
                                body: body, logger: quietLogger
                            ).status
                        }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses == Array(repeating: 202, count: 30))
                let made = Self.difference(Self.requests(harness), before)
                #expect(made["POST pipelineruns"] == 30)
                #expect((1...30).contains(made["PATCH repositoryconnections/status"] ?? 0), "\(made)")
                #expect(made["GET repositoryconnections"] == nil && made["PUT repositoryconnections/status"] == nil)
                let stored = try await harness.client.get(
                    C8SAPI.RepositoryConnection.self, name: "shop-github", namespace: harness.namespace)
                let lastEvent = try #require(stored.status?.lastEvent)
                let runs = try await Self.runs(harness)
                let newest = runs.compactMap(\.spec.triggeredAt?.date).max()
                #expect(lastEvent.receivedAt?.date == newest)
                #expect(runs.contains { $0.metadata.name == lastEvent.run })
            }
        }
    }

    @Test("a lastEvent patch replaces every field of the previous event")
    func lastEventPatchIsWhole() {
        let patch = LastEventRecorder.patch(.init(type: "tag_push", deliveryID: "d", commit: nil, run: "r"))
        #expect(
            patch
                == [
                    "status": [
                        "lastEvent": [
                            "type": "tag_push", "deliveryID": "d", "commit": .null, "branch": .null,
                            "receivedAt": .null, "run": "r",
                        ]
                    ]
                ])
    }

    @Test("a step the webhook's plan excluded by when is skipped by the reconciler")
    func excludedStepIsSkipped() async throws {
        try await ReconcilerHarness.with { harness in
            try await Self.seed(harness)
            let body = try Fixture.bytes("github", "push")
            let response = try await Self.withRoutes(harness) { routes, _ in
                await routes.receiver.receive(
                    source: .github,
                    headers: Delivery.headers(forge: "github", event: "push", body: body, secret: Self.secret),
                    body: body, logger: quietLogger)
            }
            #expect(response.status == 202)
            let name = try #require(try await Self.runs(harness).first?.metadata.name)
            try await harness.withReconciler {
                try await harness.finish(run: name, step: "lint")
                try await harness.finish(run: name, step: "test")
                let run = try await harness.waitForRun(name, .succeeded)
                let deploy = try #require(run.status?[step: "deploy"])
                #expect(deploy.phase == .skipped)
                #expect(deploy.reason == "ConditionNotMet")
                #expect(try await harness.job(run: name, step: "deploy") == nil)
            }
        }
    }

    @Test("without a selection the reconciler evaluates when itself; with one, the selection decides")
    func selectionDecidesPlanSteps() {
        let spec = Self.pipeline
        var run = PipelineRun(
            metadata: ObjectMeta(name: "r"),
            spec: .init(pipelineConfigRef: .init(name: "shop"), branch: "main", event: .push))
        #expect(SelectedSteps.planSteps(run: run, spec: spec).map(\.enabled) == [true, true, true])
        run.metadata.annotations = [TriggerAnnotations.selectedSteps: SelectedSteps.encode(["lint", "test"])]
        #expect(SelectedSteps.planSteps(run: run, spec: spec).map(\.enabled) == [true, true, false])
        run.metadata.annotations = [TriggerAnnotations.selectedSteps: "not json"]
        #expect(SelectedSteps.of(run) == nil)
    }
}
