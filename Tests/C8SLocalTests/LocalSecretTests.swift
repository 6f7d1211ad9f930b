import Foundation
import Testing

@testable import C8SLocal

/// Secrets in local mode, with the real `c8s` executable: never readable from c8s's command line or environment,
/// only the declared ones and the documented environment reach a step, short values are refused before the run.
@Suite("Local mode: secrets and the step environment")
struct LocalSecretTests {
    /// A step that prints what it can find of c8s's own process, and its environment.
    static let pipeline = """
        steps:
          - name: declares
            secrets: [{name: app, key: token, env: TOKEN}]
            commands:
              - test -n "$TOKEN"
              - tr '\\0' ' ' < /proc/$PPID/cmdline > parent-cmdline.txt
              - (tr '\\0' '\\n' < /proc/$PPID/environ || echo unreadable) > parent-environ.txt
              - env > env.txt
            artifacts: [parent-cmdline.txt, parent-environ.txt, env.txt]
          - name: declares-none
            commands:
              - env > env.txt
              - tr '\\0' ' ' < /proc/$PPID/cmdline > parent-cmdline.txt
            artifacts: [env.txt, parent-cmdline.txt]
        """

    func artifact(_ cli: CLIHarness, _ run: RunRecord, _ step: String, _ name: String) throws -> String {
        let url = RunStore(directory: cli.directory.path).stepDirectory(run: run.id, step: step)
            .appendingPathComponent("artifacts/\(name)")
        return try String(contentsOf: url, encoding: .utf8)
    }

    @Test(arguments: ["environment", "file", "argv"])
    func aStepCannotReadSecretsFromC8sItself(source: String) throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write(Self.pipeline)
        let secret = "tok-\(UUID().uuidString)"
        var arguments = ["run", "--local", "--env", "GIVEN=1", "--inherit-env", "C8S_TEST_INHERITED"]
        var environment = ["C8S_TEST_OUTSIDE": "outside-value", "C8S_TEST_INHERITED": "inherited-value"]
        switch source {
        case "environment":
            arguments += ["--secret", "app.token"]
            environment["APP_TOKEN"] = secret
        case "file":
            try (secret + "\n").write(
                to: cli.directory.appendingPathComponent("token.txt"), atomically: true, encoding: .utf8)
            arguments += ["--secret-file", "app.token=token.txt"]
        default:
            arguments += ["--secret", "app.token=\(secret)"]
        }
        let result = try cli.run(arguments, environment: environment)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("visible") == false)
        if source == "argv" {
            #expect(result.stderr.contains("warning: the value of secret app.token is in c8s's command line"))
        }
        let run = try #require(cli.runs.first)
        for step in ["declares", "declares-none"] {
            let cmdline = try artifact(cli, run, step, "parent-cmdline.txt")
            #expect(cmdline.contains("run --local"), "\(cmdline)")
            #expect(!cmdline.contains(secret), "\(step) read the secret from c8s's command line")
        }
        let environ = try artifact(cli, run, "declares", "parent-environ.txt")
        #expect(!environ.contains(secret), "the step read the secret from c8s's environment")
        // only the documented environment
        let declared = try artifact(cli, run, "declares", "env.txt")
        #expect(declared.contains("TOKEN=\(secret)"))
        #expect(declared.contains("PATH="))
        #expect(declared.contains("C8S_RUN_ID=\(run.id)"))
        #expect(declared.contains("GIVEN=1"))
        #expect(declared.contains("C8S_TEST_INHERITED=inherited-value"))
        #expect(!declared.contains("C8S_TEST_OUTSIDE"))
        #expect(!declared.contains("APP_TOKEN"))
        let undeclared = try artifact(cli, run, "declares-none", "env.txt")
        #expect(!undeclared.contains(secret))
        #expect(!undeclared.contains("TOKEN="))
        #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret))
    }

    @Test func shortSecretsAreRefusedBeforeTheRunStarts() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write("steps:\n  - name: a\n    commands: [touch ran]\n")
        let result = try cli.run(["run", "--local", "--secret", "ci.pin"], environment: ["CI_PIN": "x7q"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("secret ci.pin is shorter than 4 characters"))
        #expect(!result.stderr.contains("x7q") && !result.stdout.contains("x7q"))
        #expect(cli.runs.isEmpty)
    }

    @Test func everyValueGivenForASecretIsMasked() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write(
            "steps:\n  - name: a\n    secrets: [{name: db, key: pw, env: PW}]\n"
                + "    commands: [\"echo first=first-value-1 now=$PW\"]\n")
        let result = try cli.run(
            [
                "run", "--local", "--secret", "db.pw=first-value-1",
                "--secret", "db.pw",
            ], environment: ["DB_PW": "second-value-2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("first=*** now=***"))
        #expect(!result.stdout.contains("first-value") && !result.stdout.contains("second-value"))
    }

    @Test(arguments: [
        (["--secret", "token"], "--secret expects NAME.KEY"),
        (["--secret", "a.b.c=v"], "--secret expects NAME.KEY=VALUE"),
        (["--secret-file", "a.b"], "--secret-file expects NAME.KEY=PATH"),
        (["--secret", "a.b"], "$A_B is not set"),
    ])
    func secretSyntaxErrorsNameTheExpectedForm(arguments: [String], message: String) throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write("steps:\n  - name: a\n    commands: [true]\n")
        let result = try cli.run(["run", "--local"] + arguments)
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
