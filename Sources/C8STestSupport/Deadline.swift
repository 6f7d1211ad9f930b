/// A wait that ran past its deadline; the message names what was awaited and the last state seen.
public struct DeadlineExceeded: Error, CustomStringConvertible, Sendable {
    /// What was awaited.
    public var what: String
    /// The last state seen before the deadline, when the caller tracks one.
    public var lastSeen: String?

    /// Creates the error.
    public init(what: String, lastSeen: String? = nil) {
        self.what = what
        self.lastSeen = lastSeen
    }

    public var description: String {
        "timed out waiting for \(what)" + (lastSeen.map { "; last seen: \($0)" } ?? "")
    }
}

/// Runs `body`, throwing ``DeadlineExceeded`` when it has not returned within `timeout` (the body is cancelled).
/// `lastSeen` describes the last state observed, for the error message.
public func withDeadline<T: Sendable>(
    _ timeout: Duration, _ what: String, lastSeen: (@Sendable () -> String)? = nil,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() ?? nil else {
            throw DeadlineExceeded(what: what, lastSeen: lastSeen?())
        }
        return result
    }
}
