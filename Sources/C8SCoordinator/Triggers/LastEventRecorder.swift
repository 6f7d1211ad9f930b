import C8SAPI
import C8SKube
import Logging
import Synchronization

/// Writes RepositoryConnections' `status.lastEvent` as a JSON merge patch of the status subresource (no read, no
/// resourceVersion, so no conflict with another writer), coalescing concurrent deliveries: while one write for a
/// connection is in flight, later deliveries only leave their event, and the next write (by the first of them to
/// arrive) carries the newest one for all of them. Each delivery returns once a write holding its event, or a newer
/// one, is done; no caller writes more than once, so none is held up by a steady stream of others.
///
/// Across replicas the last write wins; within one, an older event never replaces a newer one.
public final class LastEventRecorder: Sendable {
    let client: KubeClient
    let logger: Logger
    private let slots = Mutex<[ObjectKey: Slot]>([:])

    public typealias LastEvent = C8SAPI.RepositoryConnection.LastEvent
    /// A delivery waiting; resumed with whether it is to write next.
    typealias Waiter = CheckedContinuation<Bool, Never>

    struct Slot {
        /// The newest event not yet written.
        var pending: LastEvent?
        /// Deliveries waiting for `pending` to be written; resumed with `true` by the one that is to write next.
        var waiters: [Waiter] = []
        var writing = false
    }

    public init(client: KubeClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Records `event` as the connection's last event; returns when it (or a newer one) is written, or the write
    /// failed (logged: the run exists, and an error would make the forge redeliver).
    public func record(_ event: LastEvent, connection: ObjectKey) async {
        let writes = await withCheckedContinuation { (continuation: Waiter) in
            slots.withLock { slots in
                var slot = slots[connection] ?? Slot()
                if Self.isNewer(event, than: slot.pending) { slot.pending = event }
                if slot.writing {
                    slot.waiters.append(continuation)
                } else {
                    slot.writing = true
                    continuation.resume(returning: true)
                }
                slots[connection] = slot
            }
        }
        guard writes else { return }
        let (event, done) = slots.withLock { slots -> (LastEvent?, [Waiter]) in
            let batch = (slots[connection]?.pending, slots[connection]?.waiters ?? [])
            slots[connection]?.pending = nil
            slots[connection]?.waiters = []
            return batch
        }
        if let event { await write(event, connection: connection) }
        for waiter in done { waiter.resume(returning: false) }
        slots.withLock { slots in
            guard var slot = slots[connection] else { return }
            if slot.waiters.isEmpty {
                slots[connection] = nil
            } else {
                slot.waiters.removeFirst().resume(returning: true)
                slots[connection] = slot
            }
        }
    }

    /// Whether `event` was received after `other` (an event without a time never replaces one with a time).
    static func isNewer(_ event: LastEvent, than other: LastEvent?) -> Bool {
        guard let other else { return true }
        guard let time = event.receivedAt?.date else { return other.receivedAt == nil }
        guard let otherTime = other.receivedAt?.date else { return true }
        return time >= otherTime
    }

    /// The merge patch setting `status.lastEvent` to `event` whole: absent fields are written as null, so no field
    /// of an earlier event survives.
    static func patch(_ event: LastEvent) -> JSONValue {
        let fields: [(String, String?)] = [
            ("type", event.type), ("deliveryID", event.deliveryID), ("commit", event.commit),
            ("branch", event.branch), ("receivedAt", event.receivedAt?.description), ("run", event.run),
        ]
        var lastEvent: [String: JSONValue] = [:]
        for (name, value) in fields { lastEvent[name] = value.map(JSONValue.string) ?? .null }
        return ["status": ["lastEvent": .object(lastEvent)]]
    }

    private func write(_ event: LastEvent, connection: ObjectKey) async {
        do {
            _ = try await client.patch(
                C8SAPI.RepositoryConnection.self, name: connection.name, namespace: connection.namespace,
                .merge(Self.patch(event)), subresource: "status")
        } catch {
            logger.warning(
                "could not record the repository connection's last event",
                metadata: [
                    "connection.name": "\(connection.namespace ?? "")/\(connection.name)", "error.message": "\(error)",
                ])
        }
    }
}
