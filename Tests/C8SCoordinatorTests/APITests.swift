import C8SAPI
import C8SCoordinator
import C8SKube
import Foundation
import Testing

@Suite("REST API: authentication, authorization, runs and configs")
struct APITests {
    @Test func missingOrInvalidTokensGet401WithAChallenge() async throws {
        try await APIHarness.with { h in
            let missing = try await h.get("/api/v1/namespaces/team-a/pipelineruns", token: nil)
            #expect(missing.status == 401)
            #expect(missing.headers.first(name: "WWW-Authenticate") == "Bearer")
            #expect(missing.json["code"]?.intValue == 401)
            #expect(missing.json["reason"]?.stringValue == "Unauthorized")
            let invalid = try await h.get("/api/v1/namespaces/team-a/pipelineruns", token: "stolen-token")
            #expect(invalid.status == 401)
            #expect(invalid.headers.first(name: "WWW-Authenticate") == "Bearer")
            #expect(invalid.json["message"]?.stringValue == "the bearer token is not valid")
        }
    }

    @Test func deniedUsersGet403NamingUserVerbResourceAndNamespace() async throws {
        try await APIHarness.with { h in
            let list = try await h.get("/api/v1/namespaces/team-a/pipelineruns", token: "bob-token")
            #expect(list.status == 403)
            #expect(list.json["reason"]?.stringValue == "Forbidden")
            #expect(
                list.json["message"]?.stringValue
                    == "User \"bob\" cannot list resource \"pipelineruns\" in API group \"c8s.dev\" "
                    + "in the namespace \"team-a\"")
            let create = try await h.send(
                .POST, "/api/v1/namespaces/team-b/pipelineruns", token: "bob-token", body: #"{"config":"shop"}"#)
            #expect(create.status == 403)
            #expect(create.json["message"]?.stringValue?.contains("cannot create resource \"pipelineruns\"") == true)
            // bob may read runs in team-b, and alice may not.
            let allowed = try await h.get("/api/v1/namespaces/team-b/pipelineruns", token: "bob-token")
            #expect(allowed.status == 200)
            #expect(allowed.json["items"] == .array([]))
            let alice = try await h.get("/api/v1/namespaces/team-b/pipelineruns", token: "alice-token")
            #expect(alice.status == 403)
            #expect(alice.json["message"]?.stringValue?.contains("User \"alice\" cannot list") == true)
            let log = try await h.get("/api/v1/namespaces/team-b/pipelineruns/x/steps/build/log", token: "bob-token")
            #expect(log.status == 403)
            #expect(
                log.json["message"]?.stringValue
                    == "User \"bob\" cannot get resource \"pipelineruns/log\" in API group \"c8s.dev\" "
                    + "in the namespace \"team-b\"")
        }
    }

    @Test func createGetListAndCancelRuns() async throws {
        try await APIHarness.with { h in
            try await h.createConfig("shop")
            let created = try await h.send(
                .POST, "/api/v1/namespaces/team-a/pipelineruns", token: "alice-token",
                body: #"{"config":"shop","commit":"6113728f27ae82c7b1a177c8d03f9e96e0adf246","branch":"main"}"#)
            #expect(created.status == 201)
            let run = created.json
            let name = try #require(run[path: ["metadata", "name"]]?.stringValue)
            #expect(name.hasPrefix("shop-") && name.count > "shop-".count)
            #expect(run[path: ["metadata", "generateName"]]?.stringValue == "shop-")
            #expect(run[path: ["spec", "triggeredBy"]]?.stringValue == "alice")
            #expect(run[path: ["spec", "event"]]?.stringValue == "manual")
            #expect(run[path: ["spec", "commit"]]?.stringValue == "6113728f27ae82c7b1a177c8d03f9e96e0adf246")
            #expect(run[path: ["spec", "branch"]]?.stringValue == "main")
            #expect(run[path: ["spec", "pipelineConfigRef", "name"]]?.stringValue == "shop")
            #expect(run["kind"]?.stringValue == "PipelineRun")
            // The run is in the API server, as created.
            let stored = try await h.client.get(PipelineRun.self, name: name, namespace: "team-a")
            #expect(stored.spec.triggeredBy == "alice")

            let got = try await h.get("/api/v1/namespaces/team-a/pipelineruns/\(name)")
            #expect(got.status == 200)
            #expect(got.json[path: ["metadata", "uid"]] == run[path: ["metadata", "uid"]])

            try await h.createRun("other", config: "other-config")
            let list = try await h.get("/api/v1/namespaces/team-a/pipelineruns")
            #expect(list.status == 200)
            let names = Set(
                list.json["items"]?.arrayValue?.compactMap { $0[path: ["metadata", "name"]]?.stringValue } ?? [])
            #expect(names == [name, "other"])
            let selected = try await h.get(
                "/api/v1/namespaces/team-a/pipelineruns?labelSelector=c8s.dev%2Fpipeline-config%3Dshop")
            #expect(selected.json["items"]?.arrayValue?.count == 1)
            #expect(selected.json["items"]?.arrayValue?.first?[path: ["metadata", "name"]]?.stringValue == name)

            let cancelled = try await h.send(
                .POST, "/api/v1/namespaces/team-a/pipelineruns/\(name)/cancel", token: "alice-token")
            #expect(cancelled.status == 200)
            #expect(cancelled.json[path: ["spec", "cancel"]]?.boolValue == true)
            #expect(try await h.client.get(PipelineRun.self, name: name, namespace: "team-a").spec.cancel == true)
        }
    }

    @Test func errorsNameWhatIsWrong() async throws {
        try await APIHarness.with { h in
            let missing = try await h.get("/api/v1/namespaces/team-a/pipelineruns/nope")
            #expect(missing.status == 404)
            #expect(
                missing.json == [
                    "code": 404, "reason": "NotFound",
                    "message": "pipelinerun \"nope\" not found in namespace \"team-a\"",
                ])
            let cancelMissing = try await h.send(
                .POST, "/api/v1/namespaces/team-a/pipelineruns/nope/cancel", token: "alice-token")
            #expect(cancelMissing.status == 404)
            let noConfig = try await h.send(
                .POST, "/api/v1/namespaces/team-a/pipelineruns", token: "alice-token", body: #"{"config":"ghost"}"#)
            #expect(noConfig.status == 404)
            #expect(
                noConfig.json["message"]?.stringValue == "pipelineconfig \"ghost\" not found in namespace \"team-a\"")
            let badBody = try await h.send(
                .POST, "/api/v1/namespaces/team-a/pipelineruns", token: "alice-token", body: #"{"commit":"abc"}"#)
            #expect(badBody.status == 400)
            #expect(badBody.json["message"]?.stringValue?.contains("missing field config") == true)
        }
    }

    @Test func listAndGetConfigs() async throws {
        try await APIHarness.with { h in
            try await h.createConfig("shop", steps: ["lint", "test"])
            try await h.createConfig("elsewhere", namespace: "team-b")
            let list = try await h.get("/api/v1/namespaces/team-a/pipelineconfigs")
            #expect(list.status == 200)
            #expect(
                list.json["items"]?.arrayValue?.compactMap { $0[path: ["metadata", "name"]]?.stringValue } == ["shop"])
            let config = try await h.get("/api/v1/namespaces/team-a/pipelineconfigs/shop")
            #expect(config.status == 200)
            #expect(config.json[path: ["spec", "steps"]]?.arrayValue?.count == 2)
            let missing = try await h.get("/api/v1/namespaces/team-a/pipelineconfigs/ghost")
            #expect(missing.status == 404)
            #expect(
                missing.json["message"]?.stringValue == "pipelineconfig \"ghost\" not found in namespace \"team-a\"")
            let denied = try await h.get("/api/v1/namespaces/team-b/pipelineconfigs")
            #expect(denied.status == 403)
        }
    }
}
