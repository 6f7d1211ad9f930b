import C8SCore
import C8SLogs
import Foundation
import Logging

/// The step logs of local runs, stored by the log pipeline in the directory store `.c8s/logs/` as
/// `local/<run>/<step>/step/` (namespace `local`, container `step`): zstd chunks, `index.json` and, once the step's
/// output is all stored, `complete.json`. Reads them whole, as the last lines, or following a run in progress.
public struct LocalLogs: Sendable {
    /// The namespace of local runs' logs.
    public static let namespace = "local"
    /// The container name of a step's log (a local step is one process group).
    public static let container = "step"

    /// The `.c8s` directory.
    public let store: RunStore

    public init(store: RunStore) {
        self.store = store
    }

    /// The log store (`.c8s/logs`).
    public var logStore: DirectoryLogStore {
        DirectoryLogStore(root: store.root.appendingPathComponent("logs").path)
    }

    /// Where a step's log is stored.
    public static func location(run id: String, step key: String) throws(LocalError) -> LogLocation {
        do {
            return try LogLocation(
                namespace: namespace, run: id, step: RunStore.fileName(for: key), container: container)
        } catch {
            throw .usage("run \(id), step \(key): \(error)")
        }
    }

    /// A reader of one step's stored log.
    public func reader(run id: String, step key: String) throws(LocalError) -> LogReader {
        LogReader(store: logStore, location: try Self.location(run: id, step: key), pollInterval: .milliseconds(200))
    }

    /// The step of `record` that `name` names: a full key, or a step name matching exactly one key.
    public static func step(_ name: String, in record: RunRecord) throws(LocalError) -> StepRecord {
        let exact = record.steps.filter { $0.key == name }
        let matches = exact.isEmpty ? record.steps.filter { $0.name == name } : exact
        guard let match = matches.first else {
            throw .notFound(
                "run \(record.id) has no step \"\(name)\"; its steps: "
                    + record.steps.map(\.key).joined(separator: ", "))
        }
        guard matches.count == 1 else {
            throw .usage(
                "step \"\(name)\" ran for several matrix combinations; name one of: "
                    + matches.map(\.key).joined(separator: ", "))
        }
        return match
    }

    /// Passes the stored lines of one step (the last `tail` only, reading only the chunks that hold them),
    /// formatted, to `output` in order, reading one chunk at a time: memory stays at about one chunk whatever the
    /// log's size.
    public func forEachLine(
        run id: String, step key: String, tail: Int? = nil, format: LogLineFormat = .init(),
        _ output: (String) throws -> Void
    ) async throws {
        let reader = try reader(run: id, step: key)
        let records = tail.map { reader.tail(Int64($0)) } ?? reader.records()
        for try await record in records { try output(format.format(record.record)) }
    }

    /// Passes the stored lines of every step of a run, each prefixed with its step key, to `output` in order, one
    /// chunk at a time (see ``forEachLine(run:step:tail:format:_:)``).
    public func forEachLineOfRun(
        _ id: String, tail: Int? = nil, format: LogLineFormat = .init(), _ output: (String) throws -> Void
    ) async throws {
        let record = try store.load(id)
        let width = record.steps.map(\.key.count).max() ?? 0
        for step in record.steps {
            let label = step.key.padding(toLength: width, withPad: " ", startingAt: 0) + " | "
            try await forEachLine(run: id, step: step.key, tail: tail, format: format) { try output(label + $0) }
        }
    }

    /// The stored lines of one step (the last `tail` only), formatted, collected (for short logs; `c8s logs` streams
    /// with ``forEachLine(run:step:tail:format:_:)``).
    public func lines(run id: String, step key: String, tail: Int? = nil, format: LogLineFormat = .init())
        async throws -> [String]
    {
        var lines: [String] = []
        try await forEachLine(run: id, step: key, tail: tail, format: format) { lines.append($0) }
        return lines
    }

    /// The stored lines of every step of a run, each prefixed with its step key, collected.
    public func allLines(run id: String, tail: Int? = nil, format: LogLineFormat = .init()) async throws -> [String] {
        var lines: [String] = []
        try await forEachLineOfRun(id, tail: tail, format: format) { lines.append($0) }
        return lines
    }

    /// Follows one step's log, passing each line to `output` once, in order: what is stored, then the live lines of
    /// the step's CRI file while the step runs (another process may be running it), merged by line number. Ends
    /// when the step's log is complete, or at once when the step ended without a log (it never started).
    public func follow(
        run id: String, step key: String, tail: Int? = nil, format: LogLineFormat = .init(),
        logger: Logger = Logger(label: "c8s.logs"),
        output: @escaping @Sendable (String) -> Void
    ) async throws {
        try await LogTailer.withLogTailer(logger: logger) { tailer in
            try await follow(
                run: id, step: key, tail: tail, format: format, tailer: tailer, logger: logger, output: output)
        }
    }

    /// Follows every step of a run at once, each line prefixed with its step as the live output of `c8s run --local`
    /// prints it (`step | line`): each step from when it starts until its log is complete; ends when the run and
    /// every step's log are. A run whose `c8s` died meanwhile is recovered, so the follower ends too.
    public func followRun(
        run id: String, tail: Int? = nil, format: LogLineFormat = .init(),
        logger: Logger = Logger(label: "c8s.logs"),
        output: @escaping @Sendable (String) -> Void
    ) async throws {
        let first = try store.load(id)
        let width = min(40, first.steps.map(\.key.count).max() ?? 0)
        let store = self.store
        try await LogTailer.withLogTailer(logger: logger) { tailer in
            try await withThrowingTaskGroup(of: Void.self) { group in
                var following = Set<String>()
                while true {
                    let record = try store.load(id)
                    if RunRecovery.isAbandoned(record) {
                        _ = try? await RunRecovery(store: store, logger: logger).recover(id)
                        continue
                    }
                    for step in record.steps where step.startTime != nil || step.phase.isTerminal {
                        guard following.insert(step.key).inserted else { continue }
                        let label = step.key.padding(toLength: max(width, step.key.count), withPad: " ", startingAt: 0)
                        group.addTask {
                            try await follow(
                                run: id, step: step.key, tail: tail, format: format, tailer: tailer, logger: logger
                            ) { output(label + " | " + $0) }
                        }
                    }
                    if record.phase.isTerminal && following.count == record.steps.count { break }
                    try await Task.sleep(for: .milliseconds(200))
                }
                try await group.waitForAll()
            }
        }
    }

    private func follow(
        run id: String, step key: String, tail: Int?, format: LogLineFormat, tailer: LogTailer, logger: Logger,
        output: @escaping @Sendable (String) -> Void
    ) async throws {
        let reader = try reader(run: id, step: key)
        let criDirectory = store.criDirectory(run: id, step: key).path
        let store = self.store
        do {
            let live = CRIDirectoryLiveSource(tailer: tailer, directory: criDirectory)
            try await withThrowingTaskGroup(of: FollowEvent.self) { group in
                group.addTask {
                    // A step that has not started yet has no CRI file to follow live: wait for it (or its end).
                    while !FileManager.default.fileExists(atPath: criDirectory), try await reader.completion() == nil {
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    let start: LogReader.FollowStart = tail.map { .tail(Int64($0)) } ?? .line(0)
                    for try await record in reader.follow(live: live, from: start) {
                        output(format.format(record.record))
                    }
                    return .followEnded
                }
                group.addTask {
                    // The live lines end when the shipper has stored everything (the completion marker).
                    while true {
                        if try await reader.completion() != nil {
                            live.finish()
                            return .complete
                        }
                        let record = try? store.load(id)
                        if let record, RunRecovery.isAbandoned(record) {
                            // The run's c8s died while we follow: finish its logs, then end as usual.
                            _ = try? await RunRecovery(store: store, logger: logger).recover(id)
                            continue
                        }
                        // A final step without a CRI file (checked first: the file goes only after the log is
                        // complete) and without a complete log never had output to follow.
                        if let step = record?.steps.first(where: { $0.key == key }), step.phase.isTerminal,
                            !FileManager.default.fileExists(atPath: criDirectory),
                            try await reader.completion() == nil
                        {
                            return .noLog
                        }
                        try await Task.sleep(for: .milliseconds(100))
                    }
                }
                while let event = try await group.next() {
                    if event != .complete {
                        group.cancelAll()
                        return
                    }
                }
            }
        }
    }

    private enum FollowEvent: Sendable {
        case followEnded, complete, noLog
    }
}
