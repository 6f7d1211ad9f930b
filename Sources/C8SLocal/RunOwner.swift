import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The `c8s` process that runs a local run: its pid and its start time (field 22 of `/proc/PID/stat`, clock
/// ticks after boot), so that a pid reused by another process is not taken for the owner.
public struct RunOwner: Codable, Sendable, Hashable {
    /// Process id of the `c8s run --local` process.
    public var pid: Int32
    /// Its start time in clock ticks after boot (`/proc/PID/stat` field 22).
    public var startTicks: UInt64

    public init(pid: Int32, startTicks: UInt64) {
        self.pid = pid
        self.startTicks = startTicks
    }

    /// This process, or nil when `/proc/self/stat` cannot be read.
    public static func current() -> RunOwner? {
        let pid = getpid()
        return startTicks(of: pid).map { RunOwner(pid: pid, startTicks: $0) }
    }

    /// Whether the owner still runs: a process with its pid and the same start time exists (and is not a zombie).
    public var isAlive: Bool {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let fields = Self.fields(ofStat: text)
        else { return false }
        return fields.state != "Z" && fields.startTicks == startTicks
    }

    /// The start time of `pid`, from `/proc/PID/stat`.
    static func startTicks(of pid: Int32) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        return fields(ofStat: text)?.startTicks
    }

    /// The state (field 3) and start time (field 22) of a `/proc/PID/stat` line. The command name (field 2) is in
    /// parentheses and may itself hold spaces and parentheses, so fields are counted after its last `)`.
    static func fields(ofStat text: String) -> (state: Substring, startTicks: UInt64)? {
        guard text.utf8.count <= 4096, let close = text.lastIndex(of: ")") else { return nil }
        let rest = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // rest[0] is field 3 (state), so field 22 is rest[19].
        guard rest.count > 19, let ticks = UInt64(rest[19]) else { return nil }
        return (rest[0], ticks)
    }
}
