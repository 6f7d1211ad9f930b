import C8SClient
import C8SVersion
import Foundation
import Testing

/// `c8s version` and `c8s --version` (the real executable) against the real coordinator's `GET /version`, and
/// ``CoordinatorVersionClient`` against coordinators that answer badly.
@Suite struct VersionCLITests {
    @Test func versionPrintsTheClientAndTheRealCoordinator() async throws {
        try await ClusterCLIHarness.with(auth: CoordinatorCLITests.model, adminToken: "coordinator-token") { cli in
            try await CoordinatorCLITests.withCoordinator(cli) { url, _ in
                // No token is needed: /version is unauthenticated.
                let both = try await cli.c8s(["version"], extra: ["C8S_COORDINATOR": url, "C8S_TOKEN": ""])
                #expect(both.status == 0, "\(both.stderr)")
                #expect(both.stdout == "client: \(BuildVersion.current)\ncoordinator: \(BuildVersion.current)\n")
                #expect(try await CoordinatorVersionClient.fetch(url: url) == .current)
            }
            let alone = try await cli.c8s(["version"])
            #expect(alone.status == 0 && alone.stdout == "client: \(BuildVersion.current)\n", "\(alone.stderr)")
            let flag = try await cli.c8s(["--version"])
            #expect(flag.stdout == "\(BuildVersion.current)\n")
            let unreachable = try await cli.c8s(["version", "--coordinator", "http://127.0.0.1:1"])
            #expect(unreachable.status == 1)
            #expect(unreachable.stdout == "client: \(BuildVersion.current)\n")
            #expect(unreachable.stderr.contains("cannot reach the coordinator at http://127.0.0.1:1"))
            let invalid = try await cli.c8s(["version", "--coordinator", "ftp://example"])
            #expect(invalid.status == 2 && invalid.stderr.contains("invalid coordinator URL"), "\(invalid.stderr)")
        }
    }

    @Test(
        arguments: [
            (200, #"{"version":"0.3.0","revision":"abc123"}"#, nil),
            (404, #"{"message":"no such route"}"#, "answered GET /version with 404"),
            (200, #"{"version":"0.3.0\u001b[2J","revision":"abc"}"#, "characters other than"),
            (200, #"{"version":"0.3.0"}"#, "not {"),
            (200, String(repeating: " ", count: 5000) + "{}", "more than 4096 bytes"),
        ] as [(Int, String, String?)])
    func answersAreCheckedBeforeTheyArePrinted(status: Int, body: String, expected: String?) async throws {
        try await withStaticServer(status: status, body: body) { port in
            do {
                let version = try await CoordinatorVersionClient.fetch(url: "http://127.0.0.1:\(port)")
                #expect(expected == nil, "accepted \(version)")
                #expect(version == BuildVersion(version: "0.3.0", revision: "abc123"))
            } catch let error as ClientError {
                #expect(expected.map { error.message.contains($0) } == true, "\(error.message)")
            }
        }
    }
}
