import Foundation
import Testing

/// The REST API checks commits, branches and config names as git and Kubernetes do, before it stores anything.
@Suite struct APIInputLimitTests {
    @Test func hostileRunRequestsAre400() async throws {
        try await APIHarness.with { h in
            try await h.createConfig("shop")
            let cases: [(String, String)] = [
                (
                    #"{"config":"shop","commit":"../../etc/passwd"}"#,
                    "commit \"../../etc/passwd\" is not a commit id (4 to 64 lowercase hexadecimal digits)"
                ),
                (
                    #"{"config":"shop","commit":"abc\u0000"}"#,
                    "commit \"abc\\u{0}\" is not a commit id (4 to 64 lowercase hexadecimal digits)"
                ),
                (
                    #"{"config":"shop","branch":"a..b"}"#,
                    "branch \"a..b\" is not a valid git ref name: it cannot hold \"..\""
                ),
                (
                    #"{"config":"shop","branch":"\#(String(repeating: "b", count: 300))"}"#,
                    "branch \"\(String(repeating: "b", count: 64))…\" is not a valid git ref name: it is 300 bytes; "
                        + "the limit is 255 bytes (maxNameBytes)"
                ),
                (
                    #"{"config":"\#(String(repeating: "s", count: 64))"}"#,
                    "config \"\(String(repeating: "s", count: 64))\" is not a PipelineConfig name (a DNS-1123 name of "
                        + "at most 63 characters)"
                ),
            ]
            for (body, message) in cases {
                let reply = try await h.send(
                    .POST, "/api/v1/namespaces/team-a/pipelineruns", token: "alice-token", body: body)
                #expect(reply.status == 400, "\(body.prefix(80))")
                #expect(reply.json["message"]?.stringValue == message)
            }
            let fine = try await h.send(
                .POST, "/api/v1/namespaces/team-a/pipelineruns", token: "alice-token",
                body: #"{"config":"shop","commit":"fedcba9876543210","branch":"release/2.0"}"#)
            #expect(fine.status == 201)
        }
    }
}
