import C8SCore
import C8SLogs
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Finishes local runs whose `c8s` process died (SIGKILL, OOM, a machine that stopped) before the run ended.
///
/// A run is abandoned when its record is not final and its owner (pid and start time, ``RunOwner``) no longer
/// runs. Every command that reads local runs (`get runs --local`, `logs --local`, and `logs -f` while it follows)
/// recovers such a run, under a lock so that concurrent commands do it once:
/// 1. each step's output still in its CRI file is shipped from the shipper's checkpoint into the log store and the
///    log marked complete — the shipper's guarantee: nothing the step's output reached the file with is lost, and
///    nothing is stored twice (output the masker still held back in memory at the kill never reached the file);
/// 2. the run's workspace (`$TMPDIR/c8s-RUN-ID-PID`) is removed;
/// 3. the run becomes `Failed` with reason `Interrupted`; a step that had started (or has output) and did not end
///    becomes `Failed` ("interrupted"), a step that never started `Cancelled`.
/// The steps themselves died with c8s (see ``StepProcess``).
public struct RunRecovery: Sendable {
    /// The `.c8s` directory.
    public let store: RunStore
    let logger: Logger

    public init(store: RunStore, logger: Logger = Logger(label: "c8s.local")) {
        self.store = store
        self.logger = logger
    }

    /// Whether `record` is a run whose `c8s` process ended before the run did.
    public static func isAbandoned(_ record: RunRecord) -> Bool {
        guard !record.phase.isTerminal, let owner = record.owner else { return false }
        return !owner.isAlive
    }

    /// Recovers every abandoned run; returns their ids.
    @discardableResult
    public func recoverAbandoned() async -> [String] {
        var recovered: [String] = []
        for record in store.list() where Self.isAbandoned(record) {
            do {
                if try await recover(record.id) { recovered.append(record.id) }
            } catch {
                logger.warning(
                    "cannot recover an interrupted run",
                    metadata: ["run.id": "\(record.id)", "error.message": "\(error)"])
            }
        }
        return recovered
    }

    /// Recovers run `id` if it is abandoned; returns whether this call did.
    @discardableResult
    public func recover(_ id: String) async throws(LocalError) -> Bool {
        guard Self.isAbandoned(try store.load(id)) else { return false }
        let lock = try RecoveryLock(path: store.runDirectory(id).appendingPathComponent("recovery.lock").path)
        defer { lock.release() }
        var record = try store.load(id)
        guard Self.isAbandoned(record), let owner = record.owner else { return false }
        let shipped = try await shipRemainingOutput(of: record)
        if let workspace = record.workspace, Workspace.isWorkspacePath(workspace, runID: id) {
            try? FileManager.default.removeItem(atPath: workspace)
        }
        let now = Date()
        for index in record.steps.indices where !record.steps[index].phase.isTerminal {
            let key = record.steps[index].key
            if record.steps[index].phase == .running || shipped.contains(key) {
                record.steps[index].phase = .failed
                record.steps[index].message = "interrupted: c8s (pid \(owner.pid)) ended before the step did"
                record.steps[index].endTime = now
                if record.steps[index].startTime == nil { record.steps[index].startTime = now }
            } else {
                record.steps[index].phase = .cancelled
                record.steps[index].message = "not started: the run was interrupted"
            }
        }
        record.phase = .failed
        record.reason = RunRecord.interrupted
        record.endTime = now
        try store.save(record)
        logger.info("recovered an interrupted run", metadata: ["run.id": "\(id)", "run.owner.pid": "\(owner.pid)"])
        return true
    }

    /// Ships what is left in each step's CRI file (from its checkpoint) and completes its log; returns the keys of
    /// the steps that had a CRI file.
    private func shipRemainingOutput(of record: RunRecord) async throws(LocalError) -> Set<String> {
        let keys = record.steps.map(\.key).filter {
            FileManager.default.fileExists(atPath: store.criDirectory(run: record.id, step: $0).path)
        }
        guard !keys.isEmpty else { return [] }
        let logStore = LocalLogs(store: store).logStore
        do {
            try await LogTailer.withLogTailer(logger: logger) { tailer in
                for key in keys {
                    let directory = store.criDirectory(run: record.id, step: key)
                    // The CRI file holds masked text only (``StepLogFile`` masks before writing).
                    let shipper = LogShipper(
                        directory: directory.path, location: try LocalLogs.location(run: record.id, step: key),
                        store: logStore, checkpointPath: store.checkpointPath(run: record.id, step: key), masker: nil,
                        logger: logger)
                    shipper.finish()
                    if try await shipper.run(tailer: tailer) != nil {
                        try? FileManager.default.removeItem(at: directory)
                        try? FileManager.default.removeItem(atPath: store.checkpointPath(run: record.id, step: key))
                    }
                }
            }
        } catch {
            throw .io("cannot store the remaining output of run \(record.id): \(error)")
        }
        return Set(keys)
    }
}

/// An exclusive `flock(2)` on a file, held until ``release()``.
private struct RecoveryLock {
    let descriptor: Int32

    init(path: String) throws(LocalError) {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .io("cannot open the lock \(path): \(String(cString: strerror(errno)))")
        }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let message = String(cString: strerror(errno))
                close(descriptor)
                throw .io("cannot lock \(path): \(message)")
            }
        }
    }

    func release() {
        close(descriptor)
    }
}
