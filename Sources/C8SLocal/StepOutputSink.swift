import C8SLogs
import Foundation

/// Where the (already masked) output lines of steps go while a local run executes.
///
/// The seam for the log pipeline: today ``FileStepOutput`` writes one CRI-format file per step; the chunked
/// log store (CRI log files → masker → zstd chunks) replaces it here.
public protocol StepOutputSink: Sendable {
    /// Records one line a step wrote (without its newline).
    func write(step: String, stream: LogRecord.Stream, line: String, timestamp: Date)
    /// The step has ended; no more lines follow.
    func finish(step: String)
}

/// Reads the output a run recorded for a step.
public protocol StepOutputReader: Sendable {
    /// The lines of `step` in `run`, in order.
    func records(run: String, step: String) throws(LocalError) -> [LogRecord]
}
