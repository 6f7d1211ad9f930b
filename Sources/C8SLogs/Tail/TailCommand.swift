/// Requests to the tailer's loop thread.
enum TailCommand: Sendable {
    case add(LogFollower, watch: Int32)
    case finish(Int)
    case cancel(Int)
    case resume(Int)
    case stop
}
