import C8SCoordinator
import C8SCore
import C8SKube
import C8STestSupport
import Foundation
import Testing

/// The cluster as admission sees it: Secrets (name → keys) and PipelineConfig names.
struct InMemoryAdmissionLookup: AdmissionLookup {
    var secrets: [String: [String]] = [:]
    var configs: [String: PipelineSpec] = [:]
    var quotas: [ResourceQuota] = []

    func secretKeys(name: String, namespace: String) async throws -> [String]? { secrets[name] }
    func pipelineConfig(name: String, namespace: String) async throws -> PipelineSpec? { configs[name] }
    func resourceQuotas(namespace: String) async throws -> [ResourceQuota] { quotas }
}

@Suite struct AdmissionReviewerTests {
    static func review(kind: String, object: JSONValue, operation: String = "CREATE", uid: String = "u-1") -> [UInt8] {
        let review: JSONValue = .object([
            "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": .object([
                "uid": .string(uid),
                "kind": .object(["group": "c8s.dev", "version": "v1alpha1", "kind": .string(kind)]),
                "resource": .object(["group": "c8s.dev", "version": "v1alpha1", "resource": "x"]),
                "operation": .string(operation), "namespace": "team-a", "name": "x", "object": object,
            ]),
        ])
        return review.serializedBytes
    }

    static let reviewer = AdmissionReviewer(
        lookup: InMemoryAdmissionLookup(
            secrets: ["codecov": ["token"]],
            configs: ["shop": PipelineSpec(steps: [PipelineStep(name: "a", commands: ["x"])])]))

    static let invalidConfig = """
        apiVersion: c8s.dev/v1alpha1
        kind: PipelineConfig
        metadata: {name: shop}
        spec:
          steps:
            - name: Build_It
              commands: [make]
            - name: test
              dependsOn: [biuld]
              commands: [x]
              secrets: [{name: codecov, key: token, env: "X-Y"}]
        """

    /// The refusal lists exactly the fields and messages `c8s validate` prints for the same object as a file.
    @Test func anInvalidConfigIsRefusedWithTheMessagesOfValidate() async throws {
        var validate: [String] = []
        do {
            _ = try PipelineParser.load(yaml: Self.invalidConfig)
            Issue.record("the config validated")
        } catch {
            validate = error.errors.map { "\($0.field): \($0.message)" }
        }
        let object = try YAMLObject.json(Self.invalidConfig)
        let response = await Self.reviewer.review(Self.review(kind: "PipelineConfig", object: object))
        #expect(!response.allowed)
        #expect(response.code == 403)
        #expect(response.uid == "u-1")
        // Validation order for an object without positions, file order for a file: the same lines.
        #expect(response.message?.split(separator: "\n").map(String.init).sorted() == validate.sorted())
        #expect(validate.count == 3)
        #expect(response.review["response"]?["status"]?["message"]?.stringValue == response.message)
    }

    @Test func aConfigOverALimitIsRefusedNamingIt() async throws {
        let axes = (0..<16).map { "a\($0): [v0, v1, v2, v3]" }.joined(separator: ", ")
        let object = try YAMLObject.json("spec: {matrix: {\(axes)}, steps: [{name: a, commands: [x]}]}")
        let response = await Self.reviewer.review(Self.review(kind: "PipelineConfig", object: object))
        #expect(!response.allowed)
        #expect(
            response.message
                == "spec.matrix: the axes make 4294967296 combinations before exclude; the limit is 4096 "
                + "(maxMatrixProduct)")
    }

    @Test func missingSecretsAreWarningsNotRefusals() async throws {
        let object = try YAMLObject.json(
            """
            spec:
              steps:
                - name: a
                  commands: [x]
                  secrets: [{name: codecov, key: token, env: A}, {name: codecov, key: other, env: B}, \
            {name: later, key: k, env: C}]
            """)
        let response = await Self.reviewer.review(Self.review(kind: "PipelineConfig", object: object))
        #expect(response.allowed)
        #expect(
            response.warnings == [
                "spec.steps[0].secrets[1].key: Secret codecov has no key other",
                "spec.steps[0].secrets[2].name: Secret later does not exist in namespace team-a; "
                    + "step a will wait for it",
            ])
        #expect(response.review["response"]?["warnings"]?.arrayValue?.count == 2)
    }

    @Test func runsNeedTheirConfigAndGitNames() async throws {
        func run(_ spec: JSONValue) async -> AdmissionResponse {
            await Self.reviewer.review(Self.review(kind: "PipelineRun", object: .object(["spec": spec])))
        }
        #expect(await run(.object(["pipelineConfigRef": .object(["name": "shop"]), "commit": "abc123"])).allowed)
        let missing = await run(.object(["pipelineConfigRef": .object(["name": "nope"])]))
        #expect(
            missing.message == "spec.pipelineConfigRef.name: PipelineConfig nope does not exist in namespace team-a")
        let hostile = await run(
            .object(["pipelineConfigRef": .object(["name": "shop"]), "commit": "../x", "branch": "a..b"]))
        #expect(
            hostile.message == """
                spec.commit: "../x" is not a commit id (4 to 64 lowercase hexadecimal digits)
                spec.branch: "a..b" is not a valid git ref name: it cannot hold ".."
                """)
    }

    /// The peak of a diamond whose middle steps ask for 60 cores each is 120 cores: over a quota of 100.
    @Test func runsOverQuotaAreRefusedWithThePeakOfTheirDAG() async throws {
        func step(_ name: String, cpu: String, memory: String = "1Gi", after: [String] = []) -> PipelineStep {
            PipelineStep(
                name: name, commands: ["x"], dependsOn: after,
                resources: ResourceRequirements(requests: [
                    "cpu": Quantity(parsing: cpu)!, "memory": Quantity(parsing: memory)!,
                ]))
        }
        let diamond = PipelineSpec(steps: [
            step("a", cpu: "10"), step("b", cpu: "60", after: ["a"]), step("c", cpu: "60", after: ["a"]),
            step("d", cpu: "10", after: ["b", "c"]),
        ])
        func quota(_ hard: [String: String], used: [String: String] = [:]) -> ResourceQuota {
            let strings = { (map: [String: String]) in JSONValue.object(map.mapValues(JSONValue.string)) }
            return try! KubeCodec.decode(
                ResourceQuota.self,
                from: .object([
                    "apiVersion": "v1", "kind": "ResourceQuota",
                    "metadata": .object(["name": "team", "namespace": "team-a"]),
                    "spec": .object(["hard": strings(hard)]),
                    "status": .object(["hard": strings(hard), "used": strings(used)]),
                ]))
        }
        func review(_ quotas: [ResourceQuota]) async -> AdmissionResponse {
            let reviewer = AdmissionReviewer(
                lookup: InMemoryAdmissionLookup(configs: ["shop": diamond], quotas: quotas))
            return await reviewer.review(
                Self.review(
                    kind: "PipelineRun",
                    object: .object(["spec": .object(["pipelineConfigRef": .object(["name": "shop"])])])))
        }
        let cpu = await review([quota(["requests.cpu": "100"])])
        #expect(!cpu.allowed)
        #expect(cpu.message?.hasPrefix("Would exceed CPU quota: 120/100 cores requested") == true)
        let used = await review([quota(["requests.cpu": "150"], used: ["requests.cpu": "40500m"])])
        #expect(used.message?.hasPrefix("Would exceed CPU quota: 160.5/150 cores requested") == true)
        let memory = await review([quota(["requests.cpu": "200", "requests.memory": "1Gi"])])
        #expect(memory.message?.hasPrefix("Would exceed memory quota: 2Gi/1Gi requested") == true)
        let pods = await review([quota(["pods": "3"], used: ["pods": "2"])])
        #expect(pods.message?.hasPrefix("Would exceed pods quota: 4/3 pods requested") == true)
        #expect(await review([quota(["requests.cpu": "120", "pods": "2"])]).allowed)
    }

    @Test func repositoryConnectionsAreChecked() async throws {
        let good: JSONValue = .object([
            "spec": .object([
                "repository": "https://github.com/acme/shop", "provider": "github",
                "webhookSecretRef": .object(["name": "hook"]), "pipelineConfigRef": .object(["name": "shop"]),
            ])
        ])
        let allowed = await Self.reviewer.review(Self.review(kind: "RepositoryConnection", object: good))
        #expect(allowed.allowed)
        #expect(allowed.warnings == ["spec.webhookSecretRef.name: Secret hook does not exist in namespace team-a"])
        let bad: JSONValue = .object([
            "spec": .object([
                "repository": "not a url", "provider": "svn", "pipelineConfigRef": .object(["name": "Shop!"]),
            ])
        ])
        let refused = await Self.reviewer.review(Self.review(kind: "RepositoryConnection", object: bad))
        #expect(!refused.allowed)
        #expect(refused.message?.split(separator: "\n").count == 3)
        #expect(refused.message?.hasPrefix("spec.provider: \"svn\" is not a provider; use one of github") == true)
    }

    /// The coordinator's own updates of a run (finalizers, labels) pass even once its config is gone; a spec change
    /// is checked, and a deleting object is let go.
    @Test func updatesThatKeepTheSpecAreAllowed() async throws {
        let run: JSONValue = [
            "apiVersion": "c8s.dev/v1alpha1", "kind": "PipelineRun",
            "metadata": ["name": "r", "namespace": "team-a", "finalizers": ["c8s.dev/cleanup"]],
            "spec": ["pipelineConfigRef": ["name": "gone"]],
        ]
        var finished = run
        finished["metadata"]?["finalizers"] = []
        func request(_ object: JSONValue, old: JSONValue?, operation: String) -> AdmissionRequest {
            AdmissionRequest(
                uid: "u", group: "c8s.dev", kind: "PipelineRun", operation: operation, namespace: "team-a", name: "r",
                object: object, oldObject: old)
        }
        #expect(await Self.reviewer.review(request(finished, old: run, operation: "UPDATE")).allowed)
        #expect(!(await Self.reviewer.review(request(run, old: nil, operation: "CREATE")).allowed))
        var changed = run
        changed["spec"]?["branch"] = "main"
        let refused = await Self.reviewer.review(request(changed, old: run, operation: "UPDATE"))
        #expect(!refused.allowed)
        #expect(refused.message?.contains("PipelineConfig gone does not exist") == true)
        var deleting = changed
        deleting["metadata"]?["deletionTimestamp"] = "2026-01-01T00:00:00Z"
        #expect(await Self.reviewer.review(request(deleting, old: run, operation: "UPDATE")).allowed)
        // oldObject decodes from the review.
        var body = try JSONValue(parsing: Self.review(kind: "PipelineRun", object: finished, operation: "UPDATE"))
        body["request"]?["oldObject"] = run
        let decoded = try AdmissionRequest.decode(body.serializedBytes)
        #expect(decoded.oldObject == run)
        body["request"]?["oldObject"] = "text"
        #expect(throws: AdmissionError.self) { try AdmissionRequest.decode(body.serializedBytes) }
    }

    @Test func malformedReviewsAre400AndOtherKindsAreAllowed() async throws {
        let deep = Array((String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000)).utf8)
        let refused = await Self.reviewer.review(deep)
        #expect(refused.code == 400)
        #expect(refused.message?.contains("nesting deeper than the limit of 64 levels") == true)
        let wrong = await Self.reviewer.review(Array(#"{"apiVersion":"v1","kind":"AdmissionReview"}"#.utf8))
        #expect(wrong.message == "apiVersion must be admission.k8s.io/v1")
        let deletion = await Self.reviewer.review(
            Self.review(kind: "PipelineConfig", object: .object([:]), operation: "DELETE"))
        #expect(deletion.allowed)
    }

    /// Mutated AdmissionReviews never crash the decoder or the reviewer, and every answer is well-formed JSON.
    @Test func mutatedReviewsAreAnsweredWithoutCrashing() async throws {
        let seeds = [
            Self.review(kind: "PipelineConfig", object: try YAMLObject.json(Self.invalidConfig)),
            Self.review(
                kind: "PipelineRun",
                object: .object(["spec": .object(["pipelineConfigRef": .object(["name": "shop"])])])),
            Self.review(kind: "RepositoryConnection", object: .object(["spec": .object(["provider": "github"])])),
        ]
        var mutator = DeliveryMutator(rng: SeededGenerator(seed: fuzzSeed ?? 0xAD_1155))
        var outcomes: [Int: Int] = [:]
        for _ in 0..<(2000 * fuzzScale) {
            let body = mutator.mutate(seeds[mutator.int(0..<seeds.count)])
            let response = await Self.reviewer.review(body)
            outcomes[response.code, default: 0] += 1
            #expect((try? JSONParser().parse(response.review.serializedBytes)) != nil)
        }
        #expect(outcomes[400, default: 0] > 0)
        #expect(outcomes[403, default: 0] + outcomes[200, default: 0] > 0)
    }
}

/// YAML test objects as JSON (C8SKube's libyaml reader).
enum YAMLObject {
    static func json(_ yaml: String) throws -> JSONValue {
        try YAMLReader.read(yaml)
    }
}
