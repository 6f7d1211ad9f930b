import AsyncHTTPClient
import C8SKube
import C8STestSupport
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@Suite("Test API server authentication and authorization")
struct AuthTests {
    static let model = TestAuthModel(
        tokens: [
            "admin-token": .init(name: "admin", uid: "u-admin", groups: ["system:masters"]),
            "alice-token": .init(name: "alice", uid: "u-alice", groups: ["devs"], extra: ["team": ["shop"]]),
            "bob-token": .init(name: "bob", uid: "u-bob"),
        ],
        grants: [
            .init(.group("system:masters"), rules: [.all]),
            .init(
                .group("devs"),
                rules: [
                    .init(
                        apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "create"],
                        namespaces: ["team-a"]),
                    .init(
                        apiGroups: ["c8s.dev"], resources: ["pipelineruns/log"], verbs: ["get"],
                        namespaces: ["team-a"]),
                ]),
        ])

    static func send(
        _ server: TestAPIServer, _ method: HTTPMethod, _ path: String, token: String?, body: JSONValue? = nil
    ) async throws -> (Int, JSONValue) {
        var request = HTTPClientRequest(url: server.baseURL.absoluteString + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.serialized))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let json = (try? JSONValue(parsing: Array(bytes.readableBytesView))) ?? .null
        return (Int(response.status.code), json)
    }

    static func withServer<T: Sendable>(
        auth: TestAuthModel? = model, _ body: @Sendable (TestAPIServer) async throws -> T
    ) async throws -> T {
        try await withTestAPIServer(configuration: .init(auth: auth)) { server in
            for name in ["team-a", "team-b"] {
                try server.create(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]])
            }
            return try await body(server)
        }
    }

    @Test func requestsWithoutAKnownTokenGet401() async throws {
        try await Self.withServer { server in
            let (missing, status) = try await Self.send(
                server, .GET, "/api/v1/namespaces/team-a/configmaps", token: nil)
            #expect(missing == 401)
            #expect(status["reason"]?.stringValue == "Unauthorized")
            #expect(status["kind"]?.stringValue == "Status")
            let (unknown, _) = try await Self.send(server, .GET, "/api/v1/namespaces/team-a/configmaps", token: "nope")
            #expect(unknown == 401)
            let (health, _) = try await Self.send(server, .GET, "/healthz", token: nil)
            #expect(health == 200)
        }
    }

    @Test func rulesAllowAndForbidWithTheRealMessage() async throws {
        try await Self.withServer { server in
            let configMap: JSONValue = [
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "x"], "data": ["k": "v"],
            ]
            let (created, _) = try await Self.send(
                server, .POST, "/api/v1/namespaces/team-a/configmaps", token: "alice-token", body: configMap)
            #expect(created == 201)
            let (got, object) = try await Self.send(
                server, .GET, "/api/v1/namespaces/team-a/configmaps/x", token: "alice-token")
            #expect(got == 200)
            #expect(object[path: ["data", "k"]]?.stringValue == "v")

            let (deleted, denial) = try await Self.send(
                server, .DELETE, "/api/v1/namespaces/team-a/configmaps/x", token: "alice-token")
            #expect(deleted == 403)
            #expect(denial["reason"]?.stringValue == "Forbidden")
            #expect(
                denial["message"]?.stringValue
                    == "configmaps \"x\" is forbidden: User \"alice\" cannot delete resource \"configmaps\" "
                    + "in API group \"\" in the namespace \"team-a\"")

            let (otherNamespace, _) = try await Self.send(
                server, .GET, "/api/v1/namespaces/team-b/configmaps", token: "alice-token")
            #expect(otherNamespace == 403)
            let (bobList, bobDenial) = try await Self.send(
                server, .GET, "/apis/c8s.dev/v1alpha1/namespaces/default/pipelineruns", token: "bob-token")
            #expect(bobList == 403)
            #expect(
                bobDenial["message"]?.stringValue
                    == "pipelineruns.c8s.dev is forbidden: User \"bob\" cannot list resource \"pipelineruns\" "
                    + "in API group \"c8s.dev\" in the namespace \"default\"")
            // Discovery is open to every authenticated user.
            let (discovery, groups) = try await Self.send(server, .GET, "/apis", token: "bob-token")
            #expect(discovery == 200)
            let names = groups["groups"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(names.contains("authentication.k8s.io"))
            #expect(names.contains("authorization.k8s.io"))
            let (_, resources) = try await Self.send(server, .GET, "/apis/authorization.k8s.io/v1", token: "bob-token")
            #expect(resources["resources"]?.arrayValue?.first?["name"]?.stringValue == "subjectaccessreviews")
        }
    }

    @Test func tokenReviewsAuthenticateKnownTokensOnly() async throws {
        try await Self.withServer { server in
            let review: JSONValue = [
                "apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": ["token": "alice-token"],
            ]
            let (code, answer) = try await Self.send(
                server, .POST, "/apis/authentication.k8s.io/v1/tokenreviews", token: "admin-token", body: review)
            #expect(code == 201)
            #expect(answer[path: ["status", "authenticated"]]?.boolValue == true)
            #expect(answer[path: ["status", "user", "username"]]?.stringValue == "alice")
            #expect(answer[path: ["status", "user", "uid"]]?.stringValue == "u-alice")
            #expect(answer[path: ["status", "user", "groups"]] == ["devs"])
            #expect(answer[path: ["status", "user", "extra", "team"]] == ["shop"])

            let unknown: JSONValue = [
                "apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": ["token": "stolen"],
            ]
            let (_, rejected) = try await Self.send(
                server, .POST, "/apis/authentication.k8s.io/v1/tokenreviews", token: "admin-token", body: unknown)
            #expect(rejected[path: ["status", "authenticated"]]?.boolValue != true)
            #expect(rejected[path: ["status", "user", "username"]] == nil)

            // Creating reviews is itself authorized.
            let (forbidden, _) = try await Self.send(
                server, .POST, "/apis/authentication.k8s.io/v1/tokenreviews", token: "bob-token", body: review)
            #expect(forbidden == 403)
        }
    }

    @Test func subjectAccessReviewsFollowTheRules() async throws {
        try await Self.withServer { server in
            func review(user: String, groups: [String], namespace: String, verb: String, subresource: String?)
                -> JSONValue
            {
                var attributes: JSONValue = [
                    "namespace": .string(namespace), "verb": .string(verb), "group": "c8s.dev",
                    "resource": "pipelineruns", "name": "run-1",
                ]
                if let subresource { attributes["subresource"] = .string(subresource) }
                return [
                    "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                    "spec": [
                        "user": .string(user), "groups": .array(groups.map { .string($0) }),
                        "resourceAttributes": attributes,
                    ],
                ]
            }
            let path = "/apis/authorization.k8s.io/v1/subjectaccessreviews"
            let (code, allowed) = try await Self.send(
                server, .POST, path, token: "admin-token",
                body: review(user: "alice", groups: ["devs"], namespace: "team-a", verb: "get", subresource: "log"))
            #expect(code == 201)
            #expect(allowed[path: ["status", "allowed"]]?.boolValue == true)
            #expect(allowed[path: ["status", "reason"]]?.stringValue?.contains("alice") == true)

            let (_, wrongNamespace) = try await Self.send(
                server, .POST, path, token: "admin-token",
                body: review(user: "alice", groups: ["devs"], namespace: "team-b", verb: "get", subresource: "log"))
            #expect(wrongNamespace[path: ["status", "allowed"]]?.boolValue == false)
            let (_, wholeRun) = try await Self.send(
                server, .POST, path, token: "admin-token",
                body: review(user: "alice", groups: ["devs"], namespace: "team-a", verb: "get", subresource: nil))
            #expect(wholeRun[path: ["status", "allowed"]]?.boolValue == false)
            #expect(
                wholeRun[path: ["status", "reason"]]?.stringValue
                    == "User \"alice\" cannot get resource \"pipelineruns\" in API group \"c8s.dev\" "
                    + "in the namespace \"team-a\"")
        }
    }

    @Test func anonymousRequestsAreAuthorizedLikeAnyUserWhenAllowed() async throws {
        var model = Self.model
        model.allowAnonymous = true
        model.grants.append(
            .init(
                .group("system:unauthenticated"),
                rules: [.init(apiGroups: [""], resources: ["configmaps"], verbs: ["list"], namespaces: ["team-b"])]))
        try await Self.withServer(auth: model) { server in
            let (allowed, _) = try await Self.send(server, .GET, "/api/v1/namespaces/team-b/configmaps", token: nil)
            #expect(allowed == 200)
            let (denied, status) = try await Self.send(server, .GET, "/api/v1/namespaces/team-a/configmaps", token: nil)
            #expect(denied == 403)
            #expect(status["message"]?.stringValue?.contains("User \"system:anonymous\" cannot list") == true)
            let (wrongToken, _) = try await Self.send(server, .GET, "/api/v1/namespaces/team-b/configmaps", token: "x")
            #expect(wrongToken == 401)
        }
    }

    @Test func withoutAModelEverythingIsAllowed() async throws {
        try await Self.withServer(auth: nil) { server in
            let (code, _) = try await Self.send(server, .GET, "/api/v1/namespaces/default/configmaps", token: nil)
            #expect(code == 200)
            let review: JSONValue = [
                "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                "spec": ["user": "anyone", "resourceAttributes": ["verb": "delete", "resource": "pods"]],
            ]
            let (_, answer) = try await Self.send(
                server, .POST, "/apis/authorization.k8s.io/v1/subjectaccessreviews", token: nil, body: review)
            #expect(answer[path: ["status", "allowed"]]?.boolValue == true)
        }
    }
}
