/// Live lines of a container that are not (all) in the store yet, as the node agent holds them.
///
/// The agent's tailer implements this; ``LogReader/follow(live:from:)`` combines it with the stored chunks by line
/// number.
public protocol LiveLogSource: Sendable {
    /// The container's records from line `lineNumber` on, in order, each with its line number, as they are produced.
    ///
    /// The sequence may start after `lineNumber` when the earlier lines are no longer held live (they are then in
    /// the store, or about to be). It ends when the source has nothing more to give: the container finished and
    /// every line was handed to the writer, or the source stopped following it.
    func records(from lineNumber: Int64) async throws -> AsyncThrowingStream<NumberedLogRecord, any Error>
}
