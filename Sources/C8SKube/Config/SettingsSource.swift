import Foundation

/// The settings of a long-running c8s process as given: the flags on its command line, parsed against the
/// process's table of ``SettingKey``s, and its environment. A flag, when given, wins over its variable; an empty
/// value counts as not given.
///
/// Configuration types read their keys through the typed lookups (``string(_:)``, ``integer(_:in:)``,
/// ``seconds(_:)``, ``toggle(_:)``, ``list(_:)``), which check the value and throw a ``SettingError`` naming the
/// flag or variable it came from. Bounds: at most ``maximumArguments`` arguments and ``maximumValueLength`` bytes
/// per value.
public struct SettingsSource: Sendable {
    /// The most command-line arguments accepted.
    public static let maximumArguments = 1024
    /// The longest value (flag or variable) accepted, in bytes.
    public static let maximumValueLength = 8192

    /// The keys the process understands.
    public let keys: [SettingKey]
    /// The values given per flag (without dashes), in order; a toggle holds `true` or `false`.
    public private(set) var flags: [String: [String]]
    /// The process environment.
    public let environment: [String: String]
    /// `--help` or `-h` was given.
    public private(set) var helpRequested = false
    /// `--version` was given.
    public private(set) var versionRequested = false

    /// Settings from already-split flags (`["http-port": ["0"]]`), for tests and embedding.
    public init(
        keys: [SettingKey], flags: [String: [String]] = [:],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.keys = keys
        self.flags = flags
        self.environment = environment
    }

    /// Parses `arguments` (without the executable's name): `--flag VALUE`, `--flag=VALUE`, `--toggle`,
    /// `--no-toggle`, `--presence`, `--help`.
    /// - Throws: ``SettingError`` for an unknown flag, a missing value, a positional argument or a bound exceeded.
    public init(
        keys: [SettingKey], arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SettingError) {
        self.init(keys: keys, environment: environment)
        guard arguments.count <= Self.maximumArguments else {
            throw SettingError(
                "\(arguments.count) command-line arguments: at most \(Self.maximumArguments) are accepted")
        }
        var byFlag: [String: SettingKey] = [:]
        for key in keys { if let flag = key.flag { byFlag[flag] = key } }
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--help" || argument == "-h" {
                helpRequested = true
                continue
            }
            if argument == "--version" {
                versionRequested = true
                continue
            }
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw SettingError(
                    "unexpected argument '\(Self.excerpt(argument))': every setting is a --flag; see --help")
            }
            let body = argument.dropFirst(2)
            let name = String(body.prefix { $0 != "=" })
            let inline: String? = body.contains("=") ? String(body.drop { $0 != "=" }.dropFirst()) : nil
            if let key = byFlag[name] {
                switch key.kind {
                case .value, .list:
                    let value: String
                    if let inline {
                        value = inline
                    } else {
                        guard index < arguments.count else { throw SettingError("--\(name) needs a value; see --help") }
                        value = arguments[index]
                        index += 1
                    }
                    guard value.utf8.count <= Self.maximumValueLength else {
                        throw SettingError("--\(name): the value is longer than \(Self.maximumValueLength) bytes")
                    }
                    flags[name, default: []].append(value)
                case .toggle, .presence:
                    guard inline == nil else {
                        throw SettingError("--\(name) takes no value; write --\(name) or --no-\(name)")
                    }
                    flags[name] = ["true"]
                }
            } else if name.hasPrefix("no-"), let key = byFlag[String(name.dropFirst(3))], key.kind == .toggle,
                inline == nil
            {
                flags[String(name.dropFirst(3))] = ["false"]
            } else {
                throw SettingError("unknown option --\(Self.excerpt(name)); see --help")
            }
        }
    }

    /// Where a value came from, for error messages.
    struct Given {
        let text: String
        let source: String
    }

    /// The value of `key`: the last flag value, else the variable; nil when neither is given or it is empty.
    func given(_ key: SettingKey) throws(SettingError) -> Given? {
        if let flag = key.flag, let value = flags[flag]?.last, !value.isEmpty {
            return Given(text: value, source: "--\(flag)")
        }
        if let variable = key.variable, let value = environment[variable], !value.isEmpty {
            guard value.utf8.count <= Self.maximumValueLength else {
                throw SettingError("\(variable): the value is longer than \(Self.maximumValueLength) bytes")
            }
            return Given(text: value, source: variable)
        }
        return nil
    }

    /// The text of `key`, or nil when it is not given.
    public func string(_ key: SettingKey) throws(SettingError) -> String? {
        try given(key)?.text
    }

    /// The whole number `key` holds, or nil when it is not given.
    /// - Throws: ``SettingError`` when it is not a whole number within `range`.
    public func integer<Value: FixedWidthInteger & Sendable>(
        _ key: SettingKey, in range: ClosedRange<Value>
    ) throws(SettingError) -> Value? {
        guard let given = try given(key) else { return nil }
        guard let value = Value(given.text), range.contains(value) else {
            throw SettingError(
                "\(given.source) '\(Self.excerpt(given.text))' is not a whole number from \(range.lowerBound) to "
                    + "\(range.upperBound)")
        }
        return value
    }

    /// The positive number of seconds `key` holds (`0.5`, `2`), or nil when it is not given.
    /// - Throws: ``SettingError`` when it is not a number of seconds above 0 and at most `maximum`.
    public func seconds(_ key: SettingKey, maximum: Double = 86_400) throws(SettingError) -> Duration? {
        guard let given = try given(key) else { return nil }
        guard let value = Double(given.text), value.isFinite, value > 0, value <= maximum else {
            throw SettingError(
                "\(given.source) '\(Self.excerpt(given.text))' is not a number of seconds above 0 and at most "
                    + "\(Int(maximum))")
        }
        return .milliseconds(Int64((value * 1000).rounded()))
    }

    /// Whether `key` is on, or nil when it is not given: `--flag` / `--no-flag`, or the variable `true`/`false`
    /// (also `1`/`0`, `yes`/`no`).
    /// - Throws: ``SettingError`` when the variable holds anything else.
    public func toggle(_ key: SettingKey) throws(SettingError) -> Bool? {
        guard let given = try given(key) else { return nil }
        switch given.text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default:
            throw SettingError("\(given.source) '\(Self.excerpt(given.text))' is neither true nor false")
        }
    }

    /// The values of a repeatable `key`: the flags given, else the variable's comma-separated items (trimmed,
    /// empty items dropped).
    public func list(_ key: SettingKey) throws(SettingError) -> [String] {
        if let flag = key.flag, let values = flags[flag], !values.isEmpty { return values }
        guard let variable = key.variable, let value = environment[variable] else { return [] }
        guard value.utf8.count <= Self.maximumValueLength else {
            throw SettingError("\(variable): the value is longer than \(Self.maximumValueLength) bytes")
        }
        return ProcessSettings.commaSeparated(value)
    }

    /// The `--help` text: `usage`, then one line per key with its help and variable.
    public func help(usage: String) -> String {
        var lines = [usage, "", "Options (a flag wins over its environment variable):"]
        for key in keys {
            let flag: String
            switch (key.flag, key.kind) {
            case (let name?, .value(let value)), (let name?, .list(let value)): flag = "--\(name) \(value)"
            case (let name?, .toggle): flag = "--[no-]\(name)"
            case (let name?, .presence): flag = "--\(name)"
            case (nil, _): flag = "(environment)"
            }
            let variable = key.variable.map { " [env \($0)]" } ?? ""
            lines.append(
                "  \(flag.padding(toLength: max(flag.count, 28), withPad: " ", startingAt: 0)) \(key.help)"
                    + variable)
        }
        lines.append("  --help                       Show this help.")
        return lines.joined(separator: "\n")
    }

    /// A value as errors quote it: at most 64 characters.
    static func excerpt(_ text: String) -> String {
        text.count > 64 ? String(text.prefix(64)) + "..." : text
    }
}
