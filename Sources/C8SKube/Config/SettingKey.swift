/// One setting of a long-running c8s process: its command-line flag, its environment variable, or both.
///
/// A process's keys are listed once, in a table next to its configuration type (for example
/// `CoordinatorConfiguration.settingKeys`); ``SettingsSource`` parses the command line against that table, and its
/// `--help` text is made from it.
public struct SettingKey: Sendable, Hashable {
    /// How a flag is written on the command line.
    public enum Kind: Sendable, Hashable {
        /// `--flag VALUE` or `--flag=VALUE`; the last one given wins. The associated text names the value in help.
        case value(String)
        /// `--flag VALUE`, repeatable; the variable holds a comma-separated list.
        case list(String)
        /// `--flag` or `--no-flag`; the variable holds `true` or `false`.
        case toggle
        /// `--flag` alone turns it on (no variable).
        case presence
    }

    /// The long flag without its leading dashes (`http-port`), or nil for a variable-only key.
    public let flag: String?
    /// The environment variable, or nil for a flag-only key.
    public let variable: String?
    /// How the flag is written.
    public let kind: Kind
    /// One line of help; it states the default.
    public let help: String

    /// A key for `--flag` and/or the variable `variable`.
    public init(flag: String?, variable: String?, kind: Kind, help: String) {
        precondition(flag != nil || variable != nil, "a setting needs a flag or a variable")
        self.flag = flag
        self.variable = variable
        self.kind = kind
        self.help = help
    }

    /// `--flag VALUE`, `VARIABLE`.
    public static func value(_ flag: String, _ variable: String? = nil, name: String = "VALUE", help: String)
        -> SettingKey
    {
        SettingKey(flag: flag, variable: variable, kind: .value(name), help: help)
    }

    /// `--flag VALUE` (repeatable), `VARIABLE` (comma-separated).
    public static func list(_ flag: String, _ variable: String? = nil, name: String = "VALUE", help: String)
        -> SettingKey
    {
        SettingKey(flag: flag, variable: variable, kind: .list(name), help: help)
    }

    /// `--flag` / `--no-flag`, `VARIABLE` (`true` or `false`).
    public static func toggle(_ flag: String, _ variable: String? = nil, help: String) -> SettingKey {
        SettingKey(flag: flag, variable: variable, kind: .toggle, help: help)
    }

    /// `--flag` alone.
    public static func presence(_ flag: String, help: String) -> SettingKey {
        SettingKey(flag: flag, variable: nil, kind: .presence, help: help)
    }

    /// A key read from the environment only.
    public static func variable(_ variable: String, help: String) -> SettingKey {
        SettingKey(flag: nil, variable: variable, kind: .value("VALUE"), help: help)
    }

    /// How errors and help name the key: `--http-port / C8S_HTTP_PORT`.
    public var displayName: String {
        [flag.map { "--\($0)" }, variable].compactMap { $0 }.joined(separator: " / ")
    }
}
