/// Requests to the tailer's loop thread.
enum TailCommand: Sendable {
    case add(LogFollower, watch: Int32)
    case finish(Int)
    case cancel(Int)
    case resume(Int)
    /// The decompressed files a follower asked for (by compressed name; nil: could not be read).
    case decompressed(Int, [String: TailDecompressor.Output?])
    case stop
}
