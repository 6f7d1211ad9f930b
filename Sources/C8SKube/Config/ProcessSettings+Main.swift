import Foundation

extension ProcessSettings {
    /// The `main` of a long-running c8s executable: parses the command line against `keys`, prints the help for
    /// `--help` and `version` for `--version`, else runs `body` with the settings. A ``SettingError`` (from parsing
    /// or from `body`) ends the process with status 64 and its message on standard error, any other error with
    /// status 1.
    public static func main(
        command: String, abstract: String, version: String, keys: [SettingKey],
        arguments: [String] = Array(CommandLine.arguments.dropFirst()),
        environment: [String: String] = ProcessInfo.processInfo.environment,
        _ body: (SettingsSource) async throws -> Void
    ) async {
        do {
            let settings = try SettingsSource(keys: keys, arguments: arguments, environment: environment)
            if settings.versionRequested {
                print(version)
                return
            }
            if settings.helpRequested {
                print(settings.help(usage: "\(command): \(abstract)"))
                return
            }
            try await body(settings)
        } catch let error as SettingError {
            FileHandle.standardError.write(Data("\(command): \(error.message)\n".utf8))
            exit(64)
        } catch {
            FileHandle.standardError.write(Data("\(command): \(error)\n".utf8))
            exit(1)
        }
    }
}
