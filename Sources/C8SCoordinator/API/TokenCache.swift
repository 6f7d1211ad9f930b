import Crypto

/// Remembers positive TokenReview answers briefly, keyed by the token's SHA-256 (the token itself is not kept):
/// at most `capacity` entries, each valid for `ttl`; the oldest entry goes first when full.
struct TokenCache: Sendable {
    let ttl: Duration
    let capacity: Int
    private var entries: [String: (user: APIUser, expires: ContinuousClock.Instant)] = [:]
    private var order: [String] = []

    init(ttl: Duration, capacity: Int) {
        self.ttl = ttl
        self.capacity = max(0, capacity)
    }

    static func key(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    var count: Int { entries.count }

    /// The cached user of `token`, if still valid at `now`.
    mutating func user(for token: String, now: ContinuousClock.Instant) -> APIUser? {
        let key = Self.key(token)
        guard let entry = entries[key] else { return nil }
        guard entry.expires > now else {
            entries[key] = nil
            order.removeAll { $0 == key }
            return nil
        }
        return entry.user
    }

    mutating func insert(_ user: APIUser, for token: String, now: ContinuousClock.Instant) {
        guard capacity > 0, ttl > .zero else { return }
        let key = Self.key(token)
        if entries[key] == nil { order.append(key) }
        entries[key] = (user, now + ttl)
        while order.count > capacity {
            let oldest = order.removeFirst()
            entries[oldest] = nil
        }
    }
}
