/// The order of a container's log files: `<n>.log.<timestamp>` rotations (oldest first), then the live
/// `<n>.log`, for each container restart `n` in turn. Other names (including `*.gz`) are not log files to read.
struct TailFileName: Comparable, Hashable, Sendable {
    var restart: Int
    var isLive: Bool
    var rotation: String

    init?(_ name: String) {
        guard !name.hasSuffix(".gz"), !name.hasSuffix(".tmp") else { return nil }
        let parts = name.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[1] == "log", let n = Int(parts[0]), n >= 0 else { return nil }
        restart = n
        if parts.count == 2 {
            isLive = true
            rotation = ""
        } else {
            guard !parts[2].isEmpty else { return nil }
            isLive = false
            rotation = String(parts[2])
        }
    }

    static func < (a: Self, b: Self) -> Bool {
        if a.restart != b.restart { return a.restart < b.restart }
        if a.isLive != b.isLive { return !a.isLive }
        return a.rotation < b.rotation
    }
}
