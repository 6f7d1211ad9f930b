import C8SLogs
import Foundation

/// Settings of one local run. The `c8s run --local` flags map onto it in one place:
///
/// - `file` (`-f`, default `.c8s.yaml`): the pipeline file.
/// - `directory` (the current directory): copied (or exported from git `HEAD`) into each step's workspace;
///   runs are recorded in its `.c8s/` directory.
/// - `secrets` (`--secret NAME.KEY`, `--secret-file NAME.KEY=PATH`, `--secret NAME.KEY=VALUE`): secret values by
///   `NAME.KEY`; a step gets only those it declares.
/// - `maskedValues`: further values masked though no step gets them (an earlier value given for the same
///   `NAME.KEY`: every value given is masked).
/// - `environment` (`--env K=V`): variables given to every step, overriding the pipeline's.
/// - `inheritedEnvironment` (`--inherit-env NAME`): variables passed on from c8s's own environment, beside `PATH`,
///   `HOME` and `TERM` (always passed); a name ending in `*` passes every variable with that prefix.
/// - `baseEnvironment` (c8s's environment): where `PATH`, `HOME`, `TERM` and the inherited variables come from.
/// - `matrixFilters` (`--matrix AXIS=VALUE,...`): run only the combinations matching one of the filters.
/// - `branch`, `event`: what `when` conditions see (default: the git branch, `push`).
/// - `color` (`--color auto|always|never`, `NO_COLOR`, `TERM=dumb`; see ``colorEnabled(_:environment:isTerminal:)``):
///   color the output (default: when stdout is a terminal).
/// - `killGrace`: seconds between SIGTERM and SIGKILL when a step is stopped (default 2).
/// - `parallelism` (`--parallel N`): at most this many steps run at once (default: 4 per processor, at least 8).
/// - `clean` (`--clean`): the workspace holds `HEAD` only, not the working tree with its uncommitted changes.
/// - `selection` (`--step NAME`, `--only NAME`, `--rerun-failed RUN-ID`): which steps run (default: all).
public struct LocalRunConfiguration: Sendable {
    public var file: String
    public var directory: String
    public var secrets: [String: String]
    public var maskedValues: [SecretMasker.Secret]
    public var environment: [String: String]
    public var inheritedEnvironment: [String]
    public var baseEnvironment: [String: String]
    public var matrixFilters: [[String: String]]
    public var branch: String?
    public var event: String
    public var color: Bool
    public var killGrace: Double
    /// At most this many steps run at once (`--parallel`; default ``defaultParallelism``).
    public var parallelism: Int
    /// Run what `HEAD` holds instead of the working tree (`--clean`).
    public var clean = false
    /// Which steps run (`--step`, `--only`, `--rerun-failed`; default all).
    public var selection = StepSelection()

    /// Four steps per processor, at least 8.
    public static var defaultParallelism: Int { max(8, 4 * ProcessInfo.processInfo.activeProcessorCount) }

    public init(
        file: String = ".c8s.yaml",
        directory: String = FileManager.default.currentDirectoryPath,
        secrets: [String: String] = [:],
        maskedValues: [SecretMasker.Secret] = [],
        environment: [String: String] = [:],
        inheritedEnvironment: [String] = [],
        baseEnvironment: [String: String] = ProcessInfo.processInfo.environment,
        matrixFilters: [[String: String]] = [],
        branch: String? = nil,
        event: String = "push",
        color: Bool = isatty(1) == 1,
        killGrace: Double = 2,
        parallelism: Int = LocalRunConfiguration.defaultParallelism
    ) {
        self.file = file
        self.directory = directory
        self.secrets = secrets
        self.maskedValues = maskedValues
        self.environment = environment
        self.inheritedEnvironment = inheritedEnvironment
        self.baseEnvironment = baseEnvironment
        self.matrixFilters = matrixFilters
        self.branch = branch
        self.event = event
        self.color = color
        self.killGrace = killGrace
        self.parallelism = parallelism
    }

    /// The environment variable `--secret NAME.KEY` reads: `NAME_KEY` upper-cased, every character other than a
    /// letter, digit or `_` written as `_` (`codecov.token` → `CODECOV_TOKEN`).
    public static func secretVariable(_ reference: String) -> String {
        String(reference.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") ? $0 : "_" })
    }

    /// The longest secret value c8s reads from a file or the environment (a Kubernetes Secret's limit).
    public static let maximumSecretBytes = 1 << 20

    /// Variables always passed from c8s's environment to a step.
    public static let passedEnvironment = ["PATH", "HOME", "TERM"]

    /// The variables of `baseEnvironment` a step gets: ``passedEnvironment`` and `inheritedEnvironment`.
    public func inheritedVariables() -> [String: String] {
        var out: [String: String] = [:]
        for name in Self.passedEnvironment { out[name] = baseEnvironment[name] }
        for pattern in inheritedEnvironment {
            if pattern.hasSuffix("*") {
                let prefix = pattern.dropLast()
                for (name, value) in baseEnvironment where name.hasPrefix(prefix) { out[name] = value }
            } else if let value = baseEnvironment[pattern] {
                out[pattern] = value
            }
        }
        return out
    }

    /// Every secret value to mask: the values steps get and ``maskedValues``.
    public var maskedSecrets: [SecretMasker.Secret] {
        secrets.sorted { $0.key < $1.key }.map { SecretMasker.Secret(name: $0.key, value: $0.value) } + maskedValues
    }

    /// Parses `NAME.KEY=VALUE` (secrets) or `K=V` (environment, matrix) flag values.
    public static func parseAssignment(
        _ text: String, flag: String, form: String = "NAME=VALUE"
    ) throws(LocalError) -> (String, String) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw .usage("\(flag) expects \(form), got \"\(text)\"")
        }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }

    /// Parses one `--matrix AXIS=VALUE,AXIS=VALUE` flag.
    public static func parseMatrixFilter(_ text: String) throws(LocalError) -> [String: String] {
        var filter: [String: String] = [:]
        for part in text.split(separator: ",") {
            let (axis, value) = try parseAssignment(String(part), flag: "--matrix", form: matrixForm)
            filter[axis] = value
        }
        guard !filter.isEmpty else { throw .usage("--matrix expects \(matrixForm), got \"\(text)\"") }
        return filter
    }

    /// The form `--matrix` takes.
    public static let matrixForm = "AXIS=VALUE[,AXIS=VALUE...] (e.g. --matrix os=linux,arch=arm64)"

    /// The form `--env` takes.
    public static let environmentForm = "NAME=VALUE (e.g. --env DEBUG=1)"

    /// Whether output is colored: `--color always` or `never` decide; `auto` (the default) colors a terminal
    /// unless `NO_COLOR` is set to anything non-empty (no-color.org) or `TERM` is `dumb`.
    public static func colorEnabled(
        _ mode: String, environment: [String: String], isTerminal: Bool
    ) throws(LocalError) -> Bool {
        switch mode {
        case "always": return true
        case "never": return false
        case "auto":
            if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
            return isTerminal && environment["TERM"] != "dumb"
        default: throw .usage("--color expects auto, always or never, got \"\(mode)\"")
        }
    }
}
