import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A named pipe a step's script blocks on (`read x < PATH`) until the test opens it: lets a test act while a
/// container is in the middle of its output, without timing guesses.
struct Gate: Sendable {
    let path: String

    init(directory: String, name: String = "gate") throws {
        path = "\(directory)/\(name)-\(UUID().uuidString.prefix(8))"
        guard mkfifo(path, 0o600) == 0 else {
            throw AgentTestTimeout(what: "mkfifo \(path) (errno \(errno))")
        }
    }

    /// The shell command that waits for the gate.
    var wait: String { "read gate_line < \(path)" }

    /// Opens the gate: writes a line once the script has the pipe open (on a thread: opening blocks until then).
    func open() async {
        let path = self.path
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                let fd = Glibc.open(path, O_WRONLY)
                if fd >= 0 {
                    _ = "go\n".withCString { write(fd, $0, 3) }
                    close(fd)
                }
                continuation.resume()
            }
            thread.start()
        }
    }
}
