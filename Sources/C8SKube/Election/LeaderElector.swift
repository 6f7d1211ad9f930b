import Foundation
import Logging
import Synchronization

/// Leader election on a coordination.k8s.io/v1 Lease, with client-go's rules: a candidate takes the lease when
/// it is free or when its record has not changed for `leaseDuration` (measured on the candidate's own clock);
/// the leader renews every `retryPeriod` and stops leading when it could not renew for `renewDeadline`
/// (shorter than `leaseDuration`), so two candidates never lead at once. Every write carries the lease's
/// resourceVersion: of two simultaneous writers, one gets Conflict.
public final class LeaderElector: Sendable {
    /// Keys:
    /// - `leaseName`, `namespace`: the Lease (created when missing).
    /// - `identity`: this candidate's holder identity (unique per process, e.g. the Pod name).
    /// - `leaseDuration`: how long others wait before taking an unrenewed lease (default 15 s).
    /// - `renewDeadline`: how long the leader keeps trying to renew before it stops leading (default 10 s).
    /// - `retryPeriod`: the pause between attempts to acquire or renew (default 2 s).
    /// - `releaseOnCancel`: give the lease up when the task is cancelled, so another candidate takes over at once
    ///   (default true).
    public struct Configuration: Sendable {
        public var leaseName: String
        public var namespace: String
        public var identity: String
        public var leaseDuration: Duration = .seconds(15)
        public var renewDeadline: Duration = .seconds(10)
        public var retryPeriod: Duration = .seconds(2)
        public var releaseOnCancel = true

        public init(leaseName: String, namespace: String, identity: String) {
            self.leaseName = leaseName
            self.namespace = namespace
            self.identity = identity
        }
    }

    private struct Observed {
        var spec: Lease.Spec?
        var time: ContinuousClock.Instant
    }

    private struct State {
        var observed: Observed?
        var leading = false
        var lastLeader: String?
    }

    public let configuration: Configuration
    private let client: KubeClient
    private let logger: Logger
    private let state = Mutex(State())

    public init(client: KubeClient, configuration: Configuration, logger: Logger? = nil) {
        precondition(configuration.renewDeadline < configuration.leaseDuration, "renewDeadline must be < leaseDuration")
        precondition(configuration.retryPeriod < configuration.renewDeadline, "retryPeriod must be < renewDeadline")
        self.client = client
        self.configuration = configuration
        var logger = logger ?? client.logger
        logger[metadataKey: "lease.name"] = "\(configuration.namespace)/\(configuration.leaseName)"
        logger[metadataKey: "lease.identity"] = "\(configuration.identity)"
        self.logger = logger
    }

    /// Whether this candidate leads now.
    public var isLeader: Bool { state.withLock { $0.leading } }

    /// Takes part in the election until the task is cancelled. Each time this candidate becomes leader,
    /// `whileLeading` runs; it is cancelled (and `onStoppedLeading` called) when leadership is lost; then the
    /// candidate competes again. When `whileLeading` returns by itself, the lease is released and `run` returns.
    /// `onNewLeader` reports every change of the lease's holder.
    public func run(
        onNewLeader: @escaping @Sendable (String) -> Void = { _ in },
        onStoppedLeading: @escaping @Sendable () -> Void = {},
        whileLeading: @escaping @Sendable () async throws -> Void
    ) async throws {
        while !Task.isCancelled {
            guard await acquire(onNewLeader: onNewLeader) else { return }
            state.withLock { $0.leading = true }
            logger.info("started leading")
            let lost = await lead(whileLeading)
            state.withLock { $0.leading = false }
            logger.info("stopped leading")
            onStoppedLeading()
            if Task.isCancelled {
                if configuration.releaseOnCancel {
                    // The caller's task is cancelled, which would cancel the request at once: the release runs in
                    // its own task, awaited here.
                    await Task { await self.release() }.value
                }
                return
            }
            if !lost {
                await release()
                return
            }
        }
    }

    /// Tries until it holds the lease; false when cancelled.
    private func acquire(onNewLeader: @Sendable (String) -> Void) async -> Bool {
        while !Task.isCancelled {
            let acquired: Bool
            do {
                acquired = try await tryAcquireOrRenew()
            } catch {
                if Task.isCancelled { return false }
                logger.debug("could not read or write the lease", metadata: ["error.message": "\(error)"])
                acquired = false
            }
            if let holder = state.withLock({ state -> String? in
                let holder = state.observed?.spec?.holderIdentity ?? ""
                guard holder != state.lastLeader, !holder.isEmpty else { return nil }
                state.lastLeader = holder
                return holder
            }) {
                onNewLeader(holder)
            }
            if acquired { return true }
            do {
                try await Task.sleep(for: jittered(configuration.retryPeriod))
            } catch {
                return false
            }
        }
        return false
    }

    /// Runs `body` while renewing; returns true when the lease could not be renewed within `renewDeadline`, false
    /// when the body returned or the task was cancelled.
    private func lead(_ body: @escaping @Sendable () async throws -> Void) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    try await body()
                } catch {
                    if !Task.isCancelled {
                        self.logger.error("the leader's work failed", metadata: ["error.message": "\(error)"])
                    }
                }
                return false
            }
            group.addTask {
                await self.renewLoop()
                return !Task.isCancelled
            }
            let lost = await group.next() ?? false
            group.cancelAll()
            return lost
        }
    }

    private func renewLoop() async {
        let clock = ContinuousClock()
        var lastRenew = state.withLock { $0.observed?.time } ?? clock.now
        while true {
            do {
                try await Task.sleep(for: configuration.retryPeriod)
            } catch {
                return
            }
            let start = clock.now
            let deadline = lastRenew + configuration.renewDeadline
            let renewed = await Self.firstResult(deadline: deadline) {
                (try? await self.tryAcquireOrRenew()) ?? false
            }
            if Task.isCancelled { return }
            if renewed == true {
                lastRenew = start
            } else if clock.now >= deadline {
                logger.warning("could not renew the lease within the renew deadline")
                return
            }
        }
    }

    /// The result of `body`, or nil when `deadline` passes first.
    private static func firstResult(
        deadline: ContinuousClock.Instant, _ body: @escaping @Sendable () async -> Bool
    ) async -> Bool? {
        await withTaskGroup(of: Bool?.self) { group in
            group.addTask { await body() }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// One attempt to take or renew the lease (client-go's `tryAcquireOrRenew`).
    private func tryAcquireOrRenew() async throws -> Bool {
        let now = ContinuousClock.now
        let wallNow = MicroTime.now()
        let seconds = Int32(
            (Double(configuration.leaseDuration.components.seconds)
                + Double(configuration.leaseDuration.components.attoseconds) / 1e18).rounded(.up))
        guard
            var lease = try await client.getIfPresent(
                Lease.self, name: configuration.leaseName, namespace: configuration.namespace)
        else {
            let spec = Lease.Spec(
                holderIdentity: configuration.identity, leaseDurationSeconds: seconds, acquireTime: wallNow,
                renewTime: wallNow, leaseTransitions: 0)
            let lease = Lease(
                metadata: ObjectMeta(name: configuration.leaseName, namespace: configuration.namespace), spec: spec)
            do {
                let created = try await client.create(lease)
                state.withLock { $0.observed = Observed(spec: created.spec, time: now) }
                return true
            } catch let error as KubeError where error.isAlreadyExists || error.isConflict {
                return false
            }
        }
        let current = lease.spec
        let (expired, holdsIt) = state.withLock { state -> (Bool, Bool) in
            if state.observed?.spec != current {
                state.observed = Observed(spec: current, time: now)
            }
            let holder = current?.holderIdentity ?? ""
            let observedAt = state.observed?.time ?? now
            return (holder.isEmpty || observedAt + configuration.leaseDuration <= now, holder == configuration.identity)
        }
        guard holdsIt || expired else { return false }
        var spec = current ?? Lease.Spec()
        if !holdsIt {
            spec.acquireTime = wallNow
            spec.leaseTransitions = (spec.leaseTransitions ?? 0) + 1
        }
        spec.holderIdentity = configuration.identity
        spec.leaseDurationSeconds = seconds
        spec.renewTime = wallNow
        lease.spec = spec
        do {
            let updated = try await client.update(lease)
            state.withLock { $0.observed = Observed(spec: updated.spec, time: now) }
            return true
        } catch let error as KubeError where error.isConflict {
            return false
        }
    }

    /// Gives the lease up (holder cleared), if this candidate still holds it.
    private func release() async {
        do {
            guard
                var lease = try await client.getIfPresent(
                    Lease.self, name: configuration.leaseName, namespace: configuration.namespace),
                lease.spec?.holderIdentity == configuration.identity
            else { return }
            lease.spec?.holderIdentity = nil
            lease.spec?.leaseDurationSeconds = 1
            lease.spec?.renewTime = .now()
            _ = try await client.update(lease)
            logger.info("released the lease")
        } catch {
            logger.warning("could not release the lease", metadata: ["error.message": "\(error)"])
        }
    }

    private func jittered(_ duration: Duration) -> Duration {
        duration * Double.random(in: 1.0...1.2)
    }
}
