import C8STestSupport
import Foundation
import Synchronization
import Testing

@testable import C8SKube

/// Records who leads when; fails if two candidates ever lead at once.
final class LeadershipRecorder: Sendable {
    struct State {
        var leaders: Set<String> = []
        var overlaps = 0
        var history: [(String, Bool, ContinuousClock.Instant)] = []
    }

    let state = Mutex(State())
    let changes = ChangeSignal()

    init() {}

    func started(_ identity: String) {
        state.withLock { state in
            if !state.leaders.isEmpty { state.overlaps += 1 }
            state.leaders.insert(identity)
            state.history.append((identity, true, .now))
        }
        changes.notify()
    }

    func stopped(_ identity: String) {
        state.withLock { state in
            state.leaders.remove(identity)
            state.history.append((identity, false, .now))
        }
        changes.notify()
    }

    var leaders: Set<String> { state.withLock { $0.leaders } }
}

@Suite struct LeaderElectorTests {
    func configuration(_ identity: String, release: Bool) -> LeaderElector.Configuration {
        var configuration = LeaderElector.Configuration(
            leaseName: "c8s-coordinator", namespace: "default",
            identity: identity)
        // Generous against a loaded machine (the whole suite runs in parallel): a renewal has 2 s to get through.
        configuration.leaseDuration = .seconds(3)
        configuration.renewDeadline = .seconds(2)
        configuration.retryPeriod = .milliseconds(200)
        configuration.releaseOnCancel = release
        return configuration
    }

    /// Runs a candidate until `stop` yields.
    func candidate(_ elector: LeaderElector, _ recorder: LeadershipRecorder, stop: AsyncStream<Void>) async {
        let identity = elector.configuration.identity
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await elector.run(onStoppedLeading: { recorder.stopped(identity) }) {
                    recorder.started(identity)
                    try await Task.sleep(for: .seconds(3600))
                }
            }
            for await _ in stop { break }
            group.cancelAll()
        }
    }

    @Test(arguments: [false, true])
    func failoverBetweenTwoInstances(release: Bool) async throws {
        try await withServerAndClient { client, _ in
            let recorder = LeadershipRecorder()
            let a = LeaderElector(client: client, configuration: configuration("a", release: release))
            let b = LeaderElector(client: client, configuration: configuration("b", release: release))
            let (stopA, stopAContinuation) = AsyncStream<Void>.makeStream()
            let (stopB, stopBContinuation) = AsyncStream<Void>.makeStream()
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.candidate(a, recorder, stop: stopA) }
                let aLeads = try? await waitUntil(.seconds(10), changes: recorder.changes) { recorder.leaders == ["a"] }
                #expect(aLeads == true)
                group.addTask { await self.candidate(b, recorder, stop: stopB) }
                // While a renews, b never takes over. On a starved machine (the whole suite shares two cores) a may
                // miss its renew deadline and step down by itself; then b may lead, but never while a does (overlaps
                // are counted below).
                let bTookOver = try? await waitUntil(.seconds(2), changes: recorder.changes) {
                    recorder.leaders.contains("b")
                }
                let aSteppedDown = recorder.state.withLock { $0.history.contains { $0.0 == "a" && !$0.1 } }
                if !aSteppedDown {
                    #expect(bTookOver == false)
                    #expect(a.isLeader && !b.isLeader)
                }

                let stoppedAt = ContinuousClock.now
                stopAContinuation.yield()
                let bLeads = try? await waitUntil(.seconds(10), changes: recorder.changes) { recorder.leaders == ["b"] }
                #expect(bLeads == true)
                let takeover = ContinuousClock.now - stoppedAt
                if !release && !aSteppedDown {
                    // Without a release, b waits for the lease (3 s) to expire on its own clock.
                    #expect(takeover >= .milliseconds(2700))
                }
                print("failover (release: \(release)) took \(takeover)")
                stopBContinuation.yield()
            }
            #expect(recorder.state.withLock { $0.overlaps } == 0)
            let lease = try await client.get(Lease.self, name: "c8s-coordinator")
            #expect((lease.spec?.leaseTransitions ?? 0) >= 1)
            if release {
                #expect(lease.spec?.holderIdentity == nil)
            } else {
                #expect(lease.spec?.holderIdentity == "b")
            }
        }
    }
}
