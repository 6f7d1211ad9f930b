import Testing

@testable import C8SCoordinator

@Suite("REST API: token review cache")
struct APITokenCacheTests {
    @Test func entriesExpireAfterTheirTTL() {
        var cache = TokenCache(ttl: .seconds(10), capacity: 4)
        let now = ContinuousClock.now
        cache.insert(APIUser(name: "alice"), for: "t-alice", now: now)
        #expect(cache.user(for: "t-alice", now: now + .seconds(9))?.name == "alice")
        #expect(cache.user(for: "t-alice", now: now + .seconds(10)) == nil)
        #expect(cache.count == 0)
        #expect(cache.user(for: "t-unknown", now: now) == nil)
    }

    @Test func theOldestEntryGoesWhenFull() {
        var cache = TokenCache(ttl: .seconds(60), capacity: 2)
        let now = ContinuousClock.now
        cache.insert(APIUser(name: "a"), for: "t-a", now: now)
        cache.insert(APIUser(name: "b"), for: "t-b", now: now)
        cache.insert(APIUser(name: "c"), for: "t-c", now: now)
        #expect(cache.count == 2)
        #expect(cache.user(for: "t-a", now: now) == nil)
        #expect(cache.user(for: "t-b", now: now)?.name == "b")
        #expect(cache.user(for: "t-c", now: now)?.name == "c")
    }

    @Test func tokensAreKeptOnlyAsDigests() {
        let key = TokenCache.key("secret-token")
        #expect(key.count == 64)
        #expect(!key.contains("secret"))
        #expect(key == TokenCache.key("secret-token"))
        #expect(key != TokenCache.key("secret-token2"))
    }

    @Test func aZeroTTLCachesNothing() {
        var cache = TokenCache(ttl: .zero, capacity: 10)
        cache.insert(APIUser(name: "a"), for: "t", now: .now)
        #expect(cache.count == 0)
    }
}
