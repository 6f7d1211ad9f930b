import C8SCoordinator
import Logging
import ServiceLifecycle
import Synchronization

/// Runs the coordinator of the simulated installation, and restarts it on request: the running coordinator's task
/// is cancelled (its reconcilers, informers and HTTP server stop mid-work) and a newly built one starts on the same
/// API server, as a new coordinator process would.
final class CoordinatorSupervisor: Sendable {
    private struct State {
        var stop: AsyncStream<Void>.Continuation?
        var restarted: [CheckedContinuation<Void, Never>] = []
        var generation = 0
    }

    private let state = Mutex(State())
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// How many coordinators have been started.
    var generation: Int { state.withLock { $0.generation } }

    /// Runs coordinators built by `make` until cancelled; a coordinator that fails ends this with its error.
    func run(_ make: @Sendable () -> Coordinator) async throws {
        while !Task.isCancelled {
            let (stopped, stop) = AsyncStream.makeStream(of: Void.self)
            let coordinator = make()
            let waiting = state.withLock { state in
                state.stop = stop
                state.generation += 1
                defer { state.restarted = [] }
                return state.restarted
            }
            for continuation in waiting { continuation.resume() }
            let logger = self.logger
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    let services = ServiceGroup(
                        configuration: .init(
                            services: coordinator.services.map { .init(service: $0) }, logger: logger))
                    try await services.run()
                    return false
                }
                group.addTask {
                    for await _ in stopped {}
                    return true
                }
                let restartRequested = try await group.next() ?? true
                group.cancelAll()
                while true {
                    do {
                        guard try await group.next() != nil else { break }
                    } catch is CancellationError {
                    } catch  where restartRequested || Task.isCancelled {
                    }
                }
                if !restartRequested && !Task.isCancelled {
                    throw IntegrationError("the coordinator stopped by itself")
                }
            }
        }
    }

    /// Stops the running coordinator and returns once a new one has been started.
    func restart() async {
        await withCheckedContinuation { continuation in
            let stop = state.withLock { state in
                state.restarted.append(continuation)
                defer { state.stop = nil }
                return state.stop
            }
            stop?.finish()
        }
    }
}
