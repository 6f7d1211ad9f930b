import C8SLogs
import Foundation
import Logging
import Synchronization

/// Local mode's step output: each step's masked output goes to a CRI log file under the run's directory
/// (``RunStore/criDirectory(run:step:)``), and a ``LogShipper`` per step ships it through the log pipeline
/// (tailer → CRI parser → masker → zstd chunks) into the directory log store under `.c8s/logs/`
/// (`local/<run>/<step>/step/`, see ``LocalLogs``).
///
/// ``open(step:)``, the writes and ``finish(step:)`` are called from the run loop and the step's reader threads;
/// ``run()`` ships every opened step until ``close()`` and the last step's log is complete. Once a step's log is
/// complete in the store, its CRI file and tailer checkpoint are removed (they hold only masked text either way);
/// if shipping fails they stay, and the terminal says where.
final class StepLogShipping: Sendable {
    private struct Step {
        var file: StepLogFile
        var shipper: LogShipper
    }

    let tailer: LogTailer
    let runStore: RunStore
    let runID: String
    let masker: SecretMasker
    let reporter: TerminalReporter
    let logger: Logger
    let logStore: DirectoryLogStore
    private let steps = Mutex<[String: Step]>([:])
    private let requests: AsyncStream<(String, LogShipper)>
    private let continuation: AsyncStream<(String, LogShipper)>.Continuation

    init(
        tailer: LogTailer, runStore: RunStore, runID: String, masker: SecretMasker, reporter: TerminalReporter,
        logger: Logger
    ) {
        self.tailer = tailer
        self.runStore = runStore
        self.runID = runID
        self.masker = masker
        self.reporter = reporter
        self.logger = logger
        self.logStore = LocalLogs(store: runStore).logStore
        let (requests, continuation) = AsyncStream.makeStream(of: (String, LogShipper).self)
        self.requests = requests
        self.continuation = continuation
    }

    /// Creates the step's CRI file and starts shipping it.
    func open(step key: String) throws(LocalError) {
        let directory = runStore.criDirectory(run: runID, step: key)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .io("cannot create the step log directory \(directory.path): \(error)")
        }
        let reporter = self.reporter
        let path = directory.appendingPathComponent("0.log").path
        let file = try StepLogFile(path: path, masker: masker) { stream, line in
            reporter.line(step: key, stream: stream, text: line)
        }
        let location = try LocalLogs.location(run: runID, step: key)
        var logger = self.logger
        logger[metadataKey: "step.name"] = "\(key)"
        let shipper = LogShipper(
            directory: directory.path, location: location, store: logStore,
            checkpointPath: runStore.checkpointPath(run: runID, step: key), masker: masker, logger: logger)
        steps.withLock { $0[key] = Step(file: file, shipper: shipper) }
        continuation.yield((key, shipper))
    }

    /// Output bytes of a step's stream, unmasked.
    func write(step key: String, stream: LogRecord.Stream, bytes: UnsafeRawBufferPointer) {
        steps.withLock { $0[key] }?.file.write(stream, bytes)
    }

    /// A stream of the step was quiet for a while after output.
    func idle(step key: String, stream: LogRecord.Stream) {
        steps.withLock { $0[key] }?.file.idle(stream)
    }

    /// A stream of the step closed.
    func endStream(step key: String, stream: LogRecord.Stream) {
        steps.withLock { $0[key] }?.file.endStream(stream)
    }

    /// A line of c8s itself about the step (already masked).
    func writeLine(step key: String, stream: LogRecord.Stream, line: String) {
        steps.withLock { $0[key] }?.file.writeLine(stream, line)
    }

    /// The step ended: close its CRI file and let its shipper store the rest and the completion marker.
    func finish(step key: String) {
        guard let step = steps.withLock({ $0.removeValue(forKey: key) }) else { return }
        step.file.close()
        step.shipper.finish()
    }

    /// No more steps will be opened.
    func close() {
        continuation.finish()
    }

    /// Ships every opened step until ``close()`` and every step's log is complete. A step's shipping task is
    /// discarded once it ends, so memory follows the steps being shipped, not every step the run had.
    func run() async {
        await withDiscardingTaskGroup { group in
            for await (key, shipper) in requests {
                group.addTask { [tailer, runStore, runID, reporter, logger] in
                    do {
                        if try await shipper.run(tailer: tailer) != nil {
                            try? FileManager.default.removeItem(at: runStore.criDirectory(run: runID, step: key))
                            try? FileManager.default.removeItem(atPath: runStore.checkpointPath(run: runID, step: key))
                        }
                    } catch {
                        logger.error(
                            "step log shipping failed", metadata: ["step.name": "\(key)", "error": "\(error)"])
                        reporter.event(
                            step: key,
                            "its log could not be stored (\(error)); the masked output stays in "
                                + runStore.criDirectory(run: runID, step: key).path)
                    }
                }
            }
        }
    }
}
