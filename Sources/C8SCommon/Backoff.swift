/// The one exponential backoff of c8s: `initial * 2^(attempt-1)`, at most `maximum` (attempt 0 waits nothing).
///
/// A pure value: retry loops keep their attempt count and ask ``delay(attempt:)`` how long to wait.
public struct Backoff: Sendable, Hashable {
    /// The wait after the first failure.
    public var initial: Duration
    /// The cap on one wait.
    public var maximum: Duration

    /// Creates a backoff starting at `initial`, doubling up to `maximum`.
    public init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The wait after `attempt` consecutive failures: zero for none, then `initial`, doubling, capped at `maximum`.
    public func delay(attempt: Int) -> Duration {
        guard attempt > 0 else { return .zero }
        let exponent = min(attempt - 1, 40)
        let delay = initial * Double(UInt64(1) << UInt64(exponent))
        return delay > maximum ? maximum : delay
    }

    /// ``delay(attempt:)`` with "equal jitter": half of it, plus a random part of the other half, so clients that
    /// failed together do not retry together.
    public func jitteredDelay(attempt: Int) -> Duration {
        let delay = self.delay(attempt: attempt)
        return delay / 2 + delay / 2 * Double.random(in: 0...1)
    }
}
