import C8SAPI
import C8SLogs

/// What the store holds of one container's log (pure).
struct LogProgress: Sendable, Hashable {
    var bytes: Int64 = 0
    var lines: Int64 = 0
    var chunks: Int64 = 0
    var complete = false

    init(bytes: Int64 = 0, lines: Int64 = 0, chunks: Int64 = 0, complete: Bool = false) {
        self.bytes = bytes
        self.lines = lines
        self.chunks = chunks
        self.complete = complete
    }

    init(index: ChunkIndex, complete: Bool = false) {
        self.init(
            bytes: index.uncompressedBytes, lines: index.lineCount, chunks: index.nextSequence, complete: complete)
    }

    init(completion: LogCompletion) {
        self.init(
            bytes: completion.uncompressedBytes, lines: completion.lines, chunks: completion.chunks, complete: true)
    }

    /// The step summary of its containers' logs: counts summed; complete when every container's log is and there
    /// is at least one container.
    static func summary(of containers: [LogProgress]) -> PipelineRun.LogSummary {
        PipelineRun.LogSummary(
            bytes: containers.reduce(0) { $0 + $1.bytes }, lines: containers.reduce(0) { $0 + $1.lines },
            chunks: containers.reduce(0) { $0 + $1.chunks },
            complete: !containers.isEmpty && containers.allSatisfy(\.complete))
    }
}
