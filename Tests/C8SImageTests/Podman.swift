import C8STestSupport
import Foundation

/// podman as this machine runs containers: Debian's runc (the default crun fails on rlimits and hybrid cgroups
/// here) with the cgroupfs manager, the host network, and rlimits the runtime can set.
enum Podman {
    /// The flags before the podman command.
    static let global = ["--runtime", "/usr/bin/runc", "--cgroup-manager", "cgroupfs"]
    /// `podman run` flags every container of the tests gets.
    static let runFlags = ["--net", "host", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
    /// What the manifests' securityContext asks for: a read-only root filesystem (no tmpfs either; a /tmp is
    /// mounted only where a manifest mounts an emptyDir), no capabilities, no privilege escalation.
    static let lockedDown = [
        "--read-only", "--read-only-tmpfs=false", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
    ]

    /// The podman executable on PATH.
    static func executable() throws -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/podman"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw ImageTestError(
            "podman is not on PATH: the image tests run the images with it (scripts/install-deps.sh --test installs "
                + "podman and runc)")
    }

    /// Runs `podman ARGUMENTS` to its end.
    static func run(
        _ arguments: [String], environment: [String: String]? = nil, timeLimit: Duration = .seconds(120)
    ) async throws -> ChildProcessResult {
        try await ChildProcess.run(
            try executable(), global + arguments, environment: environment, timeLimit: timeLimit)
    }

    /// Runs `podman ARGUMENTS` and returns its standard output, failing with its output unless it exits 0.
    @discardableResult
    static func output(_ arguments: [String], timeLimit: Duration = .seconds(120)) async throws -> String {
        let result = try await run(arguments, timeLimit: timeLimit)
        guard result.succeeded else {
            throw ImageTestError(
                "podman \(arguments.joined(separator: " ")): \(result.termination)"
                    + (result.timedOut ? " (timed out)" : "") + "\n\(result.outputText)\(result.errorText)")
        }
        return result.outputText
    }

    /// The uid and gid lines (`Uid:` real, effective, saved, filesystem) of every process of a running container.
    static func processIdentities(container: String) async throws -> [(pid: Int32, uids: [Int], gids: [Int])] {
        let pids = try await output(["top", container, "hpid"])
            .split(separator: "\n").dropFirst().compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
        guard !pids.isEmpty else { throw ImageTestError("podman top \(container) lists no process") }
        return try pids.map { pid in
            let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            func ids(_ key: String) -> [Int] {
                status.split(separator: "\n").first { $0.hasPrefix(key) }
                    .map { $0.dropFirst(key.count).split(whereSeparator: \.isWhitespace).compactMap { Int($0) } } ?? []
            }
            return (pid, ids("Uid:"), ids("Gid:"))
        }
    }
}

/// A failed step of the image tests, with what to look at.
struct ImageTestError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
