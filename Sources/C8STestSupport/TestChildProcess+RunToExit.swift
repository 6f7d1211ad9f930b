extension TestChildProcess {
    /// Runs `executable` with `arguments` until it exits (at most `limit`); returns how it ended and everything it
    /// wrote (stdout and stderr). For executables that end on their own, such as a `--help` or a refused setting.
    public static func runToExit(
        executable: String, arguments: [String] = [], environment: [String: String]? = nil,
        limit: Duration = .seconds(60)
    ) async throws -> (termination: Termination, output: String) {
        try await withTestChildProcess(executable: executable, arguments: arguments, environment: environment) {
            process in
            let termination = try await process.waitForExit(limit: limit)
            return (termination, process.output)
        }
    }

    /// Runs the package's executable `name` (``builtExecutable(_:)``) like
    /// ``runToExit(executable:arguments:environment:limit:)``, with `PATH=/usr/bin:/bin` and `environment` as its
    /// whole environment.
    public static func runBuilt(
        _ name: String, _ arguments: [String], environment: [String: String] = [:], limit: Duration = .seconds(60)
    ) async throws -> (termination: Termination, output: String) {
        try await runToExit(
            executable: builtExecutable(name), arguments: arguments,
            environment: ["PATH": "/usr/bin:/bin"].merging(environment) { $1 }, limit: limit)
    }
}
