#if canImport(Glibc)
import Glibc
#endif

/// Keeps secret values out of what other processes can read about c8s itself.
///
/// A step runs as c8s's child and could read `/proc/$PPID/cmdline` (readable by everyone) and
/// `/proc/$PPID/environ`. ``hide(values:environmentVariables:)`` overwrites, in c8s's own memory, every command-line
/// argument that holds one of `values` and the value of each of `environmentVariables` in the environment block
/// the kernel shows, then marks the process non-dumpable, so that `/proc/PID/environ`, `/proc/PID/mem` and ptrace
/// are refused to other processes of the same user (root excepted).
public enum ProcessSecrets {
    public static func hide(values: [String], environmentVariables: [String]) {
        let wanted = values.filter { !$0.isEmpty }
        if !wanted.isEmpty {
            for index in 0..<Int(CommandLine.argc) {
                guard let argument = CommandLine.unsafeArgv[index] else { continue }
                let text = String(cString: argument)
                if wanted.contains(where: { text.contains($0) }) {
                    // keep `--secret NAME.KEY=`, wipe the value
                    let keep =
                        text.firstIndex(of: "=").map { text.utf8.distance(from: text.utf8.startIndex, to: $0) + 1 } ?? 0
                    memset(argument + keep, 0x78, strlen(argument) - keep)
                }
            }
        }
        for name in environmentVariables {
            var entry = environ
            while let pointer = entry.pointee {
                let text = String(cString: pointer)
                if text.hasPrefix(name + "=") {
                    let keep = name.utf8.count + 1
                    memset(pointer + keep, 0x78, strlen(pointer) - keep)
                }
                entry += 1
            }
            unsetenv(name)
        }
        _ = prctl(setDumpable, 0)
    }

    /// `PR_SET_DUMPABLE` of `<linux/prctl.h>`.
    static let setDumpable: Int32 = 4
    /// `PR_SET_PDEATHSIG` of `<linux/prctl.h>`.
    static let setParentDeathSignal: Int32 = 1

    /// `prctl(2)` with one argument (the C function is variadic, so it is looked up rather than imported).
    static func prctl(_ option: Int32, _ argument: UInt) -> Int32 {
        typealias Function = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "prctl") else { return -1 }
        return unsafeBitCast(symbol, to: Function.self)(option, argument, 0, 0, 0)
    }
}
