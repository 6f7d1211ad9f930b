import ArgumentParser
import C8SLocal
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `c8s run --local`'s secret and environment flags: where secret values come from (never argv, unless the user
/// insists) and what of c8s's own environment a step gets.
struct LocalSecretOptions: ParsableArguments {
    @Option(
        name: .customLong("secret"),
        help: ArgumentHelp(
            "A secret, as NAME.KEY: its value from $NAME_KEY (upper-cased), or asked for on a terminal (repeatable). "
                + "NAME.KEY=VALUE also works, but other processes can read the value in c8s's command line.",
            valueName: "NAME.KEY"))
    var secrets: [String] = []

    @Option(
        name: .customLong("secret-file"),
        help: ArgumentHelp("A secret read from a file, as NAME.KEY=PATH (repeatable).", valueName: "NAME.KEY=PATH"))
    var secretFiles: [String] = []

    @Option(
        name: .customLong("inherit-env"),
        help: ArgumentHelp(
            "Pass this variable of c8s's environment on to every step, beside PATH, HOME and TERM; NAME* passes "
                + "every variable starting with NAME (repeatable).",
            valueName: "NAME"))
    var inherited: [String] = []

    /// The secret values and inherited names, into `configuration`; `warn` prints a warning. Values read from the
    /// environment are removed from c8s's own environment; values given in argv are wiped from it once read.
    func apply(to configuration: inout LocalRunConfiguration, warn: (String) -> Void) throws(LocalError) {
        var read: [(String, String)] = []
        var fromArgv: [String] = []
        var fromEnvironment: [String] = []
        for text in secrets {
            if let equals = text.firstIndex(of: "=") {
                let reference = String(text[..<equals])
                try Self.checkReference(reference, flag: "--secret", form: "NAME.KEY=VALUE")
                warn(
                    "warning: the value of secret \(reference) is in c8s's command line, where other processes "
                        + "can read it; use --secret \(reference) "
                        + "(reads $\(LocalRunConfiguration.secretVariable(reference))) "
                        + "or --secret-file \(reference)=PATH")
                read.append((reference, String(text[text.index(after: equals)...])))
                fromArgv.append(String(text[text.index(after: equals)...]))
            } else {
                try Self.checkReference(text, flag: "--secret", form: "NAME.KEY")
                let variable = LocalRunConfiguration.secretVariable(text)
                if let value = configuration.baseEnvironment[variable] {
                    read.append((text, value))
                    fromEnvironment.append(variable)
                } else if isatty(0) == 1 {
                    read.append((text, try Self.prompt("secret \(text): ")))
                } else {
                    throw .usage(
                        "--secret \(text): $\(variable) is not set and stdin is not a terminal to ask on; set "
                            + "\(variable), or use --secret-file \(text)=PATH")
                }
            }
        }
        for text in secretFiles {
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                throw .usage("--secret-file expects NAME.KEY=PATH, got \"\(text)\"")
            }
            let reference = String(text[..<equals])
            try Self.checkReference(reference, flag: "--secret-file", form: "NAME.KEY=PATH")
            read.append((reference, try Self.readFile(String(text[text.index(after: equals)...]), for: reference)))
        }
        for (reference, value) in read {
            if let earlier = configuration.secrets[reference], earlier != value {
                configuration.maskedValues.append(.init(name: reference, value: earlier))
            }
            configuration.secrets[reference] = value
        }
        for name in inherited where name.isEmpty || name.contains("=") {
            throw .usage("--inherit-env expects a variable name (or a prefix ending in *), got \"\(name)\"")
        }
        configuration.inheritedEnvironment += inherited
        for variable in fromEnvironment { configuration.baseEnvironment[variable] = nil }
        ProcessSecrets.hide(values: fromArgv, environmentVariables: fromEnvironment)
    }

    static func checkReference(_ reference: String, flag: String, form: String) throws(LocalError) {
        let parts = reference.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty }) else {
            throw .usage("\(flag) expects \(form) (a secret name and key joined by a dot), got \"\(reference)\"")
        }
    }

    /// The file's contents without one trailing line break (as `$(cat FILE)` reads it).
    static func readFile(_ path: String, for reference: String) throws(LocalError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .usage("--secret-file \(reference)=\(path): cannot read \(path)")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: LocalRunConfiguration.maximumSecretBytes + 1)) ?? Data()
        guard data.count <= LocalRunConfiguration.maximumSecretBytes else {
            throw .usage(
                "--secret-file \(reference)=\(path): the file is larger than the "
                    + "\(LocalRunConfiguration.maximumSecretBytes) bytes a secret may hold")
        }
        var text = String(decoding: data, as: UTF8.self)
        if text.hasSuffix("\r\n") { text.removeLast(1) } else if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// Reads a line from the terminal with echo off.
    static func prompt(_ text: String) throws(LocalError) -> String {
        FileHandle.standardError.write(Data(text.utf8))
        var saved = termios()
        let haveTerminal = tcgetattr(0, &saved) == 0
        if haveTerminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(0, TCSAFLUSH, &quiet)
        }
        defer {
            if haveTerminal { tcsetattr(0, TCSAFLUSH, &saved) }
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = readLine(strippingNewline: true) else {
            throw .usage("no value was typed for the \(text.dropLast(2))")
        }
        return line
    }
}
