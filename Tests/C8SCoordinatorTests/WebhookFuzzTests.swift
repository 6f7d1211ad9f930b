import C8SCoordinator
import C8SKube
import C8STestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// How much longer than in `make test` the fuzz tests run (`make fuzz` sets `C8S_FUZZ_SCALE`), and their seed.
let fuzzScale = Int(ProcessInfo.processInfo.environment["C8S_FUZZ_SCALE"] ?? "") ?? 1
let fuzzSeed = UInt64(ProcessInfo.processInfo.environment["C8S_FUZZ_SEED"] ?? "")

/// Mutates webhook deliveries: bit flips, truncations, insertions, deletions, duplicated ranges,
/// random JSON documents built from real field names, and wrong signatures.
struct DeliveryMutator {
    var rng: SeededGenerator

    static let keys = [
        "repository", "clone_url", "ssh_url", "html_url", "full_name", "ref", "after", "before", "deleted", "commits",
        "added", "modified", "removed", "pull_request", "head", "base", "sha", "number", "action", "merged",
        "project", "git_http_url", "object_attributes", "last_commit", "id", "iid", "source_branch", "target_branch",
        "oldrev", "push", "changes", "new", "old", "name", "type", "target", "hash", "links", "html", "href",
        "pullRequest", "fromRef", "toRef", "displayId", "latestCommit", "clone", "total_commits", "checkout_sha",
    ]
    static let strings = [
        "https://github.com/acme/shop", "https://github.com/Acme/Shop.git",
        "git@gitlab.example.com:acme/platform/shop.git",
        "https://gitlab.example.com/acme/platform/shop.git", "acme/shop", "https://bitbucket.org/acme/shop",
        "https://bitbucket.example.com/scm/acme/shop.git", "https://gitea.example.com:3000/gitea/shop.git",
        "refs/heads/main", "refs/tags/v1", "main", "opened", "synchronize", "reopened", "open", "update", "branch",
        "http", "0000000000000000000000000000000000000000", head, "", "\u{0}", "ü", "\\",
    ]
    static let tokens = ["{", "}", "[", "]", ",", ":", "\"", "\\", "null", "true", "1e999", "-", "\\u12", "\u{FF}"]

    mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &rng) }

    mutating func mutate(_ body: [UInt8]) -> [UInt8] {
        var bytes = body
        switch int(0..<7) {
        case 0:
            for _ in 0...int(0..<4) where !bytes.isEmpty {
                bytes[int(0..<bytes.count)] ^= UInt8(1 << int(0..<8))
            }
        case 1:
            bytes = Array(bytes.prefix(int(0..<max(1, bytes.count))))
        case 2:
            let token = Array(Self.tokens[int(0..<Self.tokens.count)].utf8)
            bytes.insert(contentsOf: token, at: int(0..<(bytes.count + 1)))
        case 3:
            if bytes.count > 2 {
                let start = int(0..<bytes.count)
                let end = min(bytes.count, start + int(1..<64))
                bytes.removeSubrange(start..<end)
            }
        case 4:
            if bytes.count > 2 {
                let start = int(0..<bytes.count)
                let end = min(bytes.count, start + int(1..<128))
                bytes.insert(contentsOf: bytes[start..<end], at: int(0..<bytes.count))
            }
        case 5:
            bytes = Array(randomJSON(depth: 0).serialized.utf8)
        default:
            for _ in 0..<int(1..<16) {
                bytes.insert(UInt8.random(in: 0...255, using: &rng), at: int(0..<(bytes.count + 1)))
            }
        }
        return bytes
    }

    mutating func randomJSON(depth: Int) -> JSONValue {
        switch depth > 4 ? int(0..<4) : int(0..<7) {
        case 0: return .string(Self.strings[int(0..<Self.strings.count)])
        case 1: return .int(Int64(int(-5..<100_000)))
        case 2: return int(0..<2) == 0 ? .bool(true) : .null
        case 3: return .string(String(int(0..<1_000_000), radix: 16))
        case 4: return .array((0..<int(0..<4)).map { _ in randomJSON(depth: depth + 1) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<int(0..<7) {
                members[Self.keys[int(0..<Self.keys.count)]] = randomJSON(depth: depth + 1)
            }
            return .object(members)
        }
    }
}

@Suite("Webhook fuzzing")
struct WebhookFuzzTests {
    struct Seed {
        var forge: String
        var fixture: String
        var event: String
    }

    static let seeds: [Seed] = (WebhookRoutesTests.triggering + WebhookRoutesTests.acknowledged).map {
        Seed(forge: $0.0, fixture: $0.2, event: $0.3)
    }

    @Test func mutatedDeliveriesNeverCreateRunsWithoutAValidSignatureAndTriggeringBody() async throws {
        var mutator = DeliveryMutator(rng: SeededGenerator(seed: fuzzSeed ?? 0xC8_5EED))
        let runs = InMemoryRunCreator()
        let receiver = TestWorld.receiver(runs: runs)
        let bodies = try Self.seeds.map { try Fixture.bytes($0.forge, $0.fixture) }
        var accepted = 0
        var statuses: [Int: Int] = [:]
        for iteration in 0..<(6000 * fuzzScale) {
            let index = mutator.int(0..<Self.seeds.count)
            let seed = Self.seeds[index]
            let original = bodies[index]
            let body = mutator.mutate(original)
            // Sign the mutated body (valid), keep the original's signature, or sign with a wrong secret.
            let signing = mutator.int(0..<3)
            let signedBody = signing == 1 ? original : body
            let secret = signing == 2 ? "wrong-\(iteration)" : TestWorld.secret
            let headers = Delivery.headers(
                forge: seed.forge, event: seed.event, body: signedBody, secret: secret, delivery: "fuzz-\(iteration)")
            let source = Delivery.source(forge: seed.forge)
            let before = await runs.count
            let response = await receiver.receive(source: source, headers: headers, body: body, logger: quietLogger)
            let after = await runs.count
            statuses[response.status, default: 0] += 1
            #expect([200, 202, 400, 401, 404, 415].contains(response.status), "iteration \(iteration)")
            #expect((try? JSONParser().parse(Array(response.jsonBody.utf8))) != nil)
            if response.status == 202 {
                accepted += 1
                #expect(after == before + 1)
                // Independent oracle: the signature is valid and the body decodes to a triggering event.
                #expect(
                    source.authenticate(headers: headers, body: body, secret: TestWorld.secret),
                    "iteration \(iteration)")
                let event = try? source.decode(headers: headers, body: body)
                #expect(event?.triggers == true, "iteration \(iteration)")
                // GitLab's token does not cover the body: a mutated body with the right token is authentic.
                #expect(signing == 0 || body == original || seed.forge == "gitlab", "iteration \(iteration)")
            } else {
                #expect(after == before, "iteration \(iteration): status \(response.status) created a run")
            }
            if signing == 2 {
                #expect(response.status != 202, "iteration \(iteration): wrong secret accepted")
            }
        }
        #expect(await runs.count == accepted)
        // The corpus exercises every outcome, not just one.
        #expect(statuses[400, default: 0] > 100)
        #expect(statuses[401, default: 0] > 100)
        #expect(statuses[202, default: 0] > 0)
    }

    @Test func mutatedDeliveriesThroughHTTP() async throws {
        var mutator = DeliveryMutator(rng: SeededGenerator(seed: fuzzSeed ?? 42))
        let runs = InMemoryRunCreator()
        let bodies = try Self.seeds.map { try Fixture.bytes($0.forge, $0.fixture) }
        var inputs: [(path: String, pairs: [(String, String)], body: [UInt8], original: [UInt8], gitlab: Bool)] = []
        for iteration in 0..<(400 * fuzzScale) {
            let index = mutator.int(0..<Self.seeds.count)
            let seed = Self.seeds[index]
            let pairs = Delivery.pairs(
                forge: seed.forge, event: seed.event, body: bodies[index], secret: TestWorld.secret,
                delivery: "http-fuzz-\(iteration)")
            let path = seed.forge.hasPrefix("bitbucket") ? "bitbucket" : seed.forge
            inputs.append((path, pairs, mutator.mutate(bodies[index]), bodies[index], seed.forge == "gitlab"))
        }
        let deliveries = inputs
        try await WebhookRoutesTests.application(runs: runs).test(.router) { client in
            for input in deliveries {
                let response = try await client.execute(
                    uri: "/webhooks/\(input.path)", method: .post, headers: WebhookRoutesTests.fields(input.pairs),
                    body: ByteBuffer(bytes: input.body))
                // Signatures cover the original bodies, so only GitLab (whose token does not cover the
                // body) may accept a mutated one.
                #expect(
                    [200, 400, 401, 404, 415].contains(Int(response.status.code)) || input.body == input.original
                        || input.gitlab)
            }
        }
        for request in await runs.requests {
            #expect(request.event.triggers)
            #expect(request.connection.provider == .gitlab)
        }
    }
}
