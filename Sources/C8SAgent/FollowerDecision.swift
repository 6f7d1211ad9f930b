/// What a ``PodFollower`` does for its step Pod, decided without any I/O: which container logs to ship, when a
/// container's log is complete (its shipper is told to finish, or the stored log is completed as it is), when a
/// failed shipper is retried, and when the Pod's logs are all complete so that the final status is written and the
/// `c8s.dev/logs` finalizer dropped.
///
/// ``FollowerLoop`` holds one, tells it what happened (``reconcile(_:hasMasker:)`` after every Pod update or timer,
/// ``shipped(_:_:)`` when a shipper ends) and carries out the ``Action``s it returns.
struct FollowerDecision: Sendable, Equatable {
    /// The follower's view of one container's log.
    struct Container: Sendable, Equatable {
        /// A shipper runs for the container.
        var shipping = false
        /// The shipper was told to finish (or the stored log is being completed without one).
        var finishing = false
        /// The log is complete in the store.
        var complete = false
        /// A failed shipper waits for its retry.
        var retryPending = false
        /// Shippers that failed so far (the retry backoff's attempt).
        var failures = 0
    }

    /// What the Pod and the node show of one container at a reconcile.
    struct Observation: Sendable, Equatable {
        /// The container terminated (or the Pod is gone): it writes nothing more.
        var finished = false
        /// The container has not started.
        var waiting = true
        /// Its log directory exists; nil when it was not looked at (``needsDirectory(_:)`` was false).
        var directoryExists: Bool?
    }

    /// One thing for the loop to do.
    enum Action: Sendable, Equatable {
        /// Start shipping the container's log directory; with `finish`, tell the shipper to finish right away.
        case startShipper(container: String, finish: Bool)
        /// Tell the running shipper that the container writes nothing more.
        case finishShipper(container: String)
        /// The container never wrote a log: complete its stored log as it is (empty when nothing was stored).
        case completeStored(container: String)
        /// Read the Pod's Secrets to build the masker (shipping waits for it).
        case requestSecrets
        /// Look for a started container's log directory again after a pause.
        case scheduleRecheck
        /// Every log is complete: write the final status, then drop the finalizer.
        case finalize
    }

    /// How a shipper ended.
    enum Outcome: Sendable, Equatable {
        /// The log is complete in the store.
        case complete
        /// It was stopped (graceful shutdown) and committed what it read.
        case stopped
        /// It failed.
        case failed
    }

    /// The state of each container by name.
    var containers: [String: Container] = [:]
    /// The Pod is gone from the API: every container counts as finished.
    var deleted = false
    /// Graceful shutdown: nothing more starts.
    var stopping = false
    /// The Secrets were asked for.
    var secretsRequested = false
    /// A directory recheck is scheduled.
    var recheckPending = false
    /// The final status and finalizer removal are under way.
    var finalizing = false

    /// Whether ``reconcile(_:hasMasker:)`` needs to know if `container`'s log directory exists.
    func needsDirectory(_ container: String) -> Bool {
        let state = containers[container] ?? Container()
        return !stopping && !finalizing && !state.complete && !state.retryPending && !state.shipping
            && !state.finishing
    }

    /// Compares what runs with what the Pod's containers need, in `containers` order, and returns what to do.
    mutating func reconcile(_ observed: [(name: String, observation: Observation)], hasMasker: Bool) -> [Action] {
        guard !stopping, !finalizing else { return [] }
        var actions: [Action] = []
        for (name, observation) in observed {
            var state = containers[name] ?? Container()
            defer { containers[name] = state }
            if state.complete || state.retryPending { continue }
            let finished = deleted || observation.finished
            if state.shipping {
                if finished && !state.finishing {
                    state.finishing = true
                    actions.append(.finishShipper(container: name))
                }
                continue
            }
            if state.finishing { continue }  // completing the stored log without a shipper
            if observation.directoryExists == true {
                guard hasMasker else {
                    if !secretsRequested {
                        secretsRequested = true
                        actions.append(.requestSecrets)
                    }
                    continue
                }
                state.shipping = true
                state.finishing = finished
                actions.append(.startShipper(container: name, finish: finished))
            } else if finished {
                // The container never wrote a log (it never started, or its directory is gone).
                state.finishing = true
                actions.append(.completeStored(container: name))
            } else if !observation.waiting && !recheckPending {
                recheckPending = true
                actions.append(.scheduleRecheck)
            }
        }
        let names = observed.map(\.name)
        if !names.isEmpty && names.allSatisfy({ containers[$0]?.complete == true }) {
            finalizing = true
            actions.append(.finalize)
        }
        return actions
    }

    /// A shipper could not be started (its location is invalid): the container's log is given up as complete.
    mutating func abandon(_ container: String) {
        containers[container, default: Container()].shipping = false
        containers[container, default: Container()].complete = true
    }

    /// A shipper (or the completion of a stored log) for `container` ended with `outcome`; after a failure, returns
    /// the retry attempt (1 for the first), whose backoff passes before ``retryDue(_:)``.
    @discardableResult
    mutating func shipped(_ container: String, _ outcome: Outcome) -> Int? {
        var state = containers[container] ?? Container()
        defer { containers[container] = state }
        state.shipping = false
        switch outcome {
        case .complete:
            state.complete = true
            return nil
        case .stopped:
            state.finishing = false
            return nil
        case .failed:
            state.failures += 1
            state.finishing = false
            state.retryPending = true
            return state.failures
        }
    }

    /// The retry pause of `container` is over.
    mutating func retryDue(_ container: String) {
        containers[container, default: Container()].retryPending = false
    }
}
