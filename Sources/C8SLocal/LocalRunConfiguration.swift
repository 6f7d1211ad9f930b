import Foundation

/// Settings of one local run. The `c8s run --local` flags map onto it in one place:
///
/// - `file` (`-f`, default `.c8s.yaml`): the pipeline file.
/// - `directory` (the current directory): copied (or exported from git `HEAD`) into each step's workspace;
///   runs are recorded in its `.c8s/` directory.
/// - `secrets` (`--secret NAME.KEY=VALUE`): secret values by `NAME.KEY`.
/// - `environment` (`--env K=V`): variables given to every step, overriding the pipeline's.
/// - `matrixFilters` (`--matrix AXIS=VALUE,...`): run only the combinations matching one of the filters.
/// - `branch`, `event`: what `when` conditions see (default: the git branch, `push`).
/// - `color`: color the output (default: when stdout is a terminal).
/// - `killGrace`: seconds between SIGTERM and SIGKILL when a step is stopped (default 2).
public struct LocalRunConfiguration: Sendable {
    public var file: String
    public var directory: String
    public var secrets: [String: String]
    public var environment: [String: String]
    public var matrixFilters: [[String: String]]
    public var branch: String?
    public var event: String
    public var color: Bool
    public var killGrace: Double

    public init(
        file: String = ".c8s.yaml",
        directory: String = FileManager.default.currentDirectoryPath,
        secrets: [String: String] = [:],
        environment: [String: String] = [:],
        matrixFilters: [[String: String]] = [],
        branch: String? = nil,
        event: String = "push",
        color: Bool = isatty(1) == 1,
        killGrace: Double = 2
    ) {
        self.file = file
        self.directory = directory
        self.secrets = secrets
        self.environment = environment
        self.matrixFilters = matrixFilters
        self.branch = branch
        self.event = event
        self.color = color
        self.killGrace = killGrace
    }

    /// Parses `NAME.KEY=VALUE` (secrets) or `K=V` (environment, matrix) flag values.
    public static func parseAssignment(_ text: String, flag: String) throws(LocalError) -> (String, String) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw .usage("\(flag) expects NAME=VALUE, got \"\(text)\"")
        }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }

    /// Parses one `--matrix AXIS=VALUE,AXIS=VALUE` flag.
    public static func parseMatrixFilter(_ text: String) throws(LocalError) -> [String: String] {
        var filter: [String: String] = [:]
        for part in text.split(separator: ",") {
            let (axis, value) = try parseAssignment(String(part), flag: "--matrix")
            filter[axis] = value
        }
        guard !filter.isEmpty else { throw .usage("--matrix expects AXIS=VALUE[,AXIS=VALUE...]") }
        return filter
    }
}
