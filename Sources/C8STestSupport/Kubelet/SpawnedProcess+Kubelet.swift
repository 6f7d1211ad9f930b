import C8SProcess

#if canImport(Glibc)
import Glibc
#endif

extension SpawnedProcess {
    /// Starts `argv` for the simulated kubelet (see ``spawn(_:environment:workingDirectory:stdin:stdout:stderr:)``).
    static func spawn(_ argv: [String], environment: [String], stdout: Int32, stderr: Int32) throws -> pid_t {
        switch spawn(argv, environment: environment, stdin: nil, stdout: stdout, stderr: stderr) {
        case .success(let pid): return pid
        case .failure(let error):
            throw ClusterSimulatorError.io("cannot start \(error.executable)", errno: error.errno)
        }
    }

    /// Runs `argv` to its end (blocking the calling thread) and returns its exit code.
    static func runToCompletion(_ argv: [String], stdout: Int32) throws -> Int32 {
        let environment = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
        let pid = try spawn(argv, environment: environment, stdout: stdout, stderr: 2)
        return waitForExit(pid)
    }
}
