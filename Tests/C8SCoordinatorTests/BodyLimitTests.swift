import HTTPTypes
import Hummingbird
import Synchronization
import Testing

@testable import C8SCoordinator

/// An endless request body that counts the chunks pulled from it.
struct EndlessBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let chunk: Int
    let pulled: Counter

    struct AsyncIterator: AsyncIteratorProtocol {
        let chunk: Int
        let pulled: Counter

        mutating func next() async throws -> ByteBuffer? {
            pulled.value.add(1, ordering: .relaxed)
            return ByteBuffer(repeating: UInt8(ascii: " "), count: chunk)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(chunk: chunk, pulled: pulled) }
}

final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

@Suite("Webhook body limit")
struct BodyLimitTests {
    @Test func anEndlessBodyIsCutOffAtTheLimit() async throws {
        let counter = Counter()
        let body = EndlessBody(chunk: 64 * 1024, pulled: counter)
        let request = Request(
            head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/webhooks/github"),
            body: RequestBody(asyncSequence: body))
        let limit = 1024 * 1024
        await #expect(throws: WebhookError.tooLarge(limit: limit)) {
            _ = try await WebhookRoutes.readBody(request, limit: limit)
        }
        // 16 chunks fill the limit exactly; the 17th is refused without being kept.
        #expect(counter.value.load(ordering: .relaxed) == 17)
    }

    @Test func aDeclaredLengthAboveTheLimitIsRefusedBeforeReading() async throws {
        let counter = Counter()
        var head = HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/webhooks/github")
        head.headerFields[.contentLength] = "\(26 * 1024 * 1024)"
        let request = Request(
            head: head, body: RequestBody(asyncSequence: EndlessBody(chunk: 1024, pulled: counter)))
        await #expect(throws: WebhookError.tooLarge(limit: 25 * 1024 * 1024)) {
            _ = try await WebhookRoutes.readBody(request, limit: 25 * 1024 * 1024)
        }
        #expect(counter.value.load(ordering: .relaxed) == 0)
    }

    @Test func connectionProviders() {
        #expect(
            ForgeProvider(connectionProvider: "bitbucket", repository: "git@bitbucket.org:a/b.git") == .bitbucketCloud)
        #expect(
            ForgeProvider(connectionProvider: "bitbucket", repository: "https://git.example.com/scm/a/b.git")
                == .bitbucketDataCenter)
        #expect(ForgeProvider(connectionProvider: "forgejo", repository: "https://codeberg.org/a/b") == .gitea)
        #expect(ForgeProvider(connectionProvider: "svn", repository: "https://example.com/a/b") == nil)
    }
}
