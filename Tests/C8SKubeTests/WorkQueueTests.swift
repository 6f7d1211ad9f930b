import C8SCommon
import Synchronization
import Testing

@testable import C8SKube

@Suite struct WorkQueueTests {
    @Test func stateDeduplicatesAndNeverHandsOutAKeyTwice() {
        var state = WorkQueueState<String>()
        state.add("a")
        state.add("a")
        state.add("b")
        #expect(state.count == 2)
        #expect(state.next() == "a")
        state.add("a")  // while processing: marked dirty, not queued
        #expect(state.count == 1)
        #expect(state.next() == "b")
        #expect(state.next() == nil)
        state.done("a")
        #expect(state.next() == "a")
    }

    @Test func backoffDoublesPerKeyUpToTheCap() {
        let backoff = Backoff(initial: .milliseconds(10), maximum: .milliseconds(50))
        #expect(
            (1...5).map { backoff.delay(attempt: $0) }
                == [.milliseconds(10), .milliseconds(20), .milliseconds(40), .milliseconds(50), .milliseconds(50)])
        var state = WorkQueueState<String>(backoff: backoff)
        let now = ContinuousClock.now
        #expect(state.addRateLimited("x", now: now) == .milliseconds(10))
        #expect(state.addRateLimited("x", now: now) == .milliseconds(20))
        #expect(state.addRateLimited("y", now: now) == .milliseconds(10))
        #expect(state.failures(of: "x") == 2)
        #expect(state.promote(now: now) == now + .milliseconds(10))
        #expect(state.count == 0)
        _ = state.promote(now: now + .milliseconds(10))
        #expect(state.count == 2)
        state.forget("x")
        #expect(state.failures(of: "x") == 0)
    }

    @Test func workersProcessEveryKeyWithBoundedConcurrencyAndRetries() async {
        let queue = WorkQueue<Int>(backoff: Backoff(initial: .milliseconds(1), maximum: .milliseconds(4)))
        struct Counts: Sendable {
            var running = 0
            var maxRunning = 0
            var processed: [Int: Int] = [:]
            var failedOnce: Set<Int> = []
            var concurrentSameKey = false
            var active: Set<Int> = []
        }
        let counts = Locked(Counts())
        let (allDone, doneContinuation) = AsyncStream<Void>.makeStream()
        for key in 0..<100 { queue.add(key) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await queue.run(workers: 4) { key in
                    let fail = counts.withLock { counts -> Bool in
                        counts.running += 1
                        counts.maxRunning = max(counts.maxRunning, counts.running)
                        if counts.active.contains(key) { counts.concurrentSameKey = true }
                        counts.active.insert(key)
                        return key % 10 == 0 && counts.failedOnce.insert(key).inserted
                    }
                    try await Task.sleep(for: .milliseconds(1))
                    let finished = counts.withLock { counts -> Bool in
                        counts.running -= 1
                        counts.active.remove(key)
                        if !fail { counts.processed[key, default: 0] += 1 }
                        return counts.processed.count == 100
                    }
                    if finished { doneContinuation.yield() }
                    return fail ? .retry : .done
                }
            }
            for await _ in allDone { break }
            group.cancelAll()
        }
        let final = counts.withLock { $0 }
        #expect(final.processed.count == 100)
        #expect(final.maxRunning <= 4)
        #expect(final.maxRunning > 1)
        #expect(!final.concurrentSameKey)
        #expect(final.failedOnce.count == 10)
    }
}

@Suite struct ResourceStoreTests {
    func pod(_ name: String, _ namespace: String, version: String, step: String? = nil) -> Pod {
        var meta = ObjectMeta(name: name, namespace: namespace)
        meta.resourceVersion = version
        meta.labels = step.map { ["c8s.dev/step": $0] }
        return Pod(metadata: meta)
    }

    @Test func indexesFollowUpdatesAndReplaceReportsTheDelta() {
        var store = ResourceStore<Pod>(indexers: ["step": .label("c8s.dev/step")])
        store.upsert(pod("a", "ci", version: "1", step: "lint"))
        store.upsert(pod("b", "ci", version: "1", step: "lint"))
        store.upsert(pod("c", "other", version: "1", step: "test"))
        #expect(store.byIndex("step", "lint").count == 2)
        #expect(store.byIndex("namespace", "ci").count == 2)
        store.upsert(pod("b", "ci", version: "2", step: "test"))
        #expect(store.byIndex("step", "lint").map(\.metadata.name) == ["a"])
        #expect(store.byIndex("step", "test").count == 2)
        let delta = store.replace(with: [
            pod("a", "ci", version: "1", step: "lint"), pod("b", "ci", version: "3"),
            pod("d", "ci", version: "1"),
        ])
        #expect(delta.added.map(\.metadata.name) == ["d"])
        #expect(delta.updated.map(\.new.metadata.name) == ["b"])
        #expect(delta.deleted.map(\.metadata.name) == ["c"])
        #expect(store.byIndex("step", "test").isEmpty)
        #expect(store.count == 3)
    }
}
