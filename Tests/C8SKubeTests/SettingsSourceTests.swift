import Logging
import Testing

@testable import C8SKube

@Suite struct SettingsSourceTests {
    static let port = SettingKey.value("http-port", "C8S_HTTP_PORT", name: "PORT", help: "Port.")
    static let names = SettingKey.list("namespace", "C8S_NAMESPACES", help: "Namespaces.")
    static let elect = SettingKey.toggle("leader-elect", "C8S_LEADER_ELECT", help: "Elect.")
    static let local = SettingKey.presence("in-cluster", help: "In cluster.")
    static let podIP = SettingKey.variable("POD_IP", help: "Pod IP.")
    static let interval = SettingKey.value("status-interval", "C8S_STATUS_INTERVAL", help: "Interval.")
    static let keys = [port, names, elect, local, podIP, interval]

    static func source(_ arguments: [String], _ environment: [String: String] = [:]) throws -> SettingsSource {
        try SettingsSource(keys: keys, arguments: arguments, environment: environment)
    }

    struct PortCase: Sendable, CustomTestStringConvertible {
        let arguments: [String]
        let environment: [String: String]
        let port: Int?
        var testDescription: String { "\(arguments) \(environment)" }
    }

    @Test(arguments: [
        PortCase(arguments: [], environment: [:], port: nil),
        PortCase(arguments: [], environment: ["C8S_HTTP_PORT": "9000"], port: 9000),
        PortCase(arguments: ["--http-port", "0"], environment: ["C8S_HTTP_PORT": "9000"], port: 0),
        PortCase(arguments: ["--http-port=81"], environment: [:], port: 81),
        PortCase(arguments: ["--http-port=81", "--http-port", "82"], environment: [:], port: 82),
        PortCase(arguments: ["--http-port="], environment: ["C8S_HTTP_PORT": "9000"], port: 9000),
        PortCase(arguments: [], environment: ["C8S_HTTP_PORT": ""], port: nil),
    ])
    func aFlagWinsOverItsVariable(_ example: PortCase) throws {
        let settings = try Self.source(example.arguments, example.environment)
        #expect(try settings.integer(Self.port, in: 0...65535) == example.port)
    }

    struct BadCase: Sendable, CustomTestStringConvertible {
        let arguments: [String]
        let environment: [String: String]
        let message: String
        var testDescription: String { message }
    }

    @Test(arguments: [
        BadCase(
            arguments: ["--http-port", "http"], environment: [:],
            message: "--http-port 'http' is not a whole number from 0 to 65535"),
        BadCase(
            arguments: [], environment: ["C8S_HTTP_PORT": "70000"],
            message: "C8S_HTTP_PORT '70000' is not a whole number from 0 to 65535"),
        BadCase(
            arguments: [], environment: ["C8S_LEADER_ELECT": "maybe"],
            message: "C8S_LEADER_ELECT 'maybe' is neither true nor false"),
        BadCase(
            arguments: ["--status-interval", "0"], environment: [:],
            message: "--status-interval '0' is not a number of seconds above 0 and at most 86400"),
        BadCase(
            arguments: [], environment: ["C8S_STATUS_INTERVAL": "nan"],
            message: "C8S_STATUS_INTERVAL 'nan' is not a number of seconds above 0 and at most 86400"),
    ])
    func aBadValueIsNamedByWhereItCameFrom(_ example: BadCase) throws {
        let settings = try Self.source(example.arguments, example.environment)
        let error = #expect(throws: SettingError.self) {
            _ = try settings.integer(Self.port, in: 0...65535)
            _ = try settings.toggle(Self.elect)
            _ = try settings.seconds(Self.interval)
        }
        #expect(error?.message == example.message)
    }

    @Test(arguments: [
        (["--http-prot", "1"], "unknown option --http-prot; see --help"),
        (["--http-port"], "--http-port needs a value; see --help"),
        (["serve"], "unexpected argument 'serve': every setting is a --flag; see --help"),
        (["--in-cluster=yes"], "--in-cluster takes no value; write --in-cluster or --no-in-cluster"),
        (["--no-in-cluster"], "unknown option --no-in-cluster; see --help"),
        (["--POD_IP", "1.2.3.4"], "unknown option --POD_IP; see --help"),
    ])
    func theCommandLineIsChecked(_ arguments: [String], _ message: String) {
        let error = #expect(throws: SettingError.self) { try Self.source(arguments) }
        #expect(error?.message == message)
    }

    @Test func boundsAreNamed() {
        let many = Array(repeating: "--in-cluster", count: SettingsSource.maximumArguments + 1)
        let error = #expect(throws: SettingError.self) { try Self.source(many) }
        #expect(error?.message.contains("at most \(SettingsSource.maximumArguments)") == true)
        let long = String(repeating: "x", count: SettingsSource.maximumValueLength + 1)
        let flagError = #expect(throws: SettingError.self) { try Self.source(["--http-port", long]) }
        #expect(flagError?.message == "--http-port: the value is longer than 8192 bytes")
        let variableError = #expect(throws: SettingError.self) {
            _ = try Self.source([], ["C8S_HTTP_PORT": long]).string(Self.port)
        }
        #expect(variableError?.message == "C8S_HTTP_PORT: the value is longer than 8192 bytes")
    }

    @Test func togglesListsAndVariableOnlyKeys() throws {
        let off = try Self.source(["--no-leader-elect", "--in-cluster"], ["C8S_LEADER_ELECT": "true"])
        #expect(try off.toggle(Self.elect) == false)
        #expect(try off.toggle(Self.local) == true)
        #expect(try Self.source([], ["C8S_LEADER_ELECT": "false"]).toggle(Self.elect) == false)
        #expect(try Self.source([]).toggle(Self.elect) == nil)
        #expect(try Self.source([]).toggle(Self.local) == nil)

        let listed = try Self.source(["--namespace", "a", "--namespace=b"], ["C8S_NAMESPACES": "x,y"])
        #expect(try listed.list(Self.names) == ["a", "b"])
        #expect(try Self.source([], ["C8S_NAMESPACES": " x, ,y ,"]).list(Self.names) == ["x", "y"])
        #expect(try Self.source([]).list(Self.names) == [])

        #expect(try Self.source([], ["POD_IP": "10.0.0.7"]).string(Self.podIP) == "10.0.0.7")
        #expect(try Self.source(["--status-interval", "0.25"]).seconds(Self.interval) == .milliseconds(250))
    }

    @Test func helpListsEveryKeyWithItsVariable() throws {
        let settings = try Self.source(["--help"])
        #expect(settings.helpRequested)
        let help = settings.help(usage: "usage line")
        #expect(help.hasPrefix("usage line\n"))
        #expect(help.contains("--http-port PORT"))
        #expect(help.contains("[env C8S_HTTP_PORT]"))
        #expect(help.contains("--[no-]leader-elect"))
        #expect(help.contains("(environment)"))
        #expect(help.contains("[env POD_IP]"))
    }

    @Test func processKeysGiveTheLogLevel() throws {
        let keys = ProcessSettings.keys
        let debug = try SettingsSource(keys: keys, arguments: ["--log-level", "debug"], environment: [:])
        #expect(try ProcessSettings.logLevel(settings: debug) == .debug)
        let fromVariable = SettingsSource(keys: keys, environment: ["C8S_LOG_LEVEL": "warning"])
        #expect(try ProcessSettings.logLevel(settings: fromVariable) == .warning)
        #expect(try ProcessSettings.logLevel(settings: SettingsSource(keys: keys, environment: [:])) == .info)
        let bad = SettingsSource(keys: keys, environment: ["C8S_LOG_LEVEL": "loud"])
        let error = #expect(throws: SettingError.self) { try ProcessSettings.logLevel(settings: bad) }
        #expect(error?.message.hasPrefix("--log-level / C8S_LOG_LEVEL 'loud' is no log level") == true)
    }
}
