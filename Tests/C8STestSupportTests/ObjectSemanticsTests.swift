import C8SKube
import C8STestSupport
import Foundation
import Testing

/// Create/update/patch/delete semantics of the test API server, over plain HTTP.
@Suite struct ObjectSemanticsTests {
    static let configs = "/api/v1/namespaces/default/configmaps"
    static let runs = "/apis/c8s.dev/v1alpha1/namespaces/default/pipelineruns"

    static func crdConfiguration() -> TestAPIServer.Configuration {
        .init(crdDirectory: configDirectory + "/crd")
    }

    static func run(_ name: String, commit: String = "abc123") -> JSONValue {
        object(
            "c8s.dev/v1alpha1", "PipelineRun", name,
            extra: ["spec": ["pipelineConfigRef": ["name": "shop"], "commit": .string(commit)]])
    }

    @Test func createSetsServerFieldsAndGetReturnsIt() async throws {
        try await withTestAPIServer { server in
            let api = APIClient(server)
            let created = try await api.post(Self.configs, object("v1", "ConfigMap", "a", extra: ["data": ["k": "v"]]))
            #expect(created.status == 201)
            let uid = try #require(created.body.at("metadata", "uid")?.stringValue)
            #expect(!uid.isEmpty)
            #expect(created.body.at("metadata", "creationTimestamp")?.stringValue != nil)
            let rv = try #require(created.body.at("metadata", "resourceVersion")?.stringValue.flatMap { Int($0) })
            let fetched = try await api.get(Self.configs + "/a")
            #expect(fetched.status == 200)
            #expect(fetched.body.at("data", "k") == "v")
            let again = try await api.post(Self.configs, object("v1", "ConfigMap", "a"))
            #expect(again.status == 409)
            #expect(again.body["reason"] == "AlreadyExists")
            #expect(again.body["kind"] == "Status")
            let second = try await api.post(Self.configs, object("v1", "ConfigMap", "b"))
            let rv2 = try #require(second.body.at("metadata", "resourceVersion")?.stringValue.flatMap { Int($0) })
            #expect(rv2 > rv)
            #expect(
                server.get(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "a")?["data"] == ["k": "v"])
            #expect(server.list(apiVersion: "v1", kind: "ConfigMap", namespace: "default").count == 2)
            #expect(server.get(apiVersion: "v1", kind: "Namespace", name: "kube-system") != nil)
            let listed = try await api.get(Self.configs)
            #expect(listed.body["kind"] == "ConfigMapList")
            #expect(listed.body["items"]?.arrayValue?.first?["kind"] == nil, "built-in list items carry no kind")
            var withRV = object("v1", "ConfigMap", "c")
            withRV.set(path: ["metadata", "resourceVersion"], to: "5")
            #expect(try await api.post(Self.configs, withRV).status == 400)
            let missing = try await api.get(Self.configs + "/nope")
            #expect(missing.status == 404)
            #expect(missing.body["message"] == "configmaps \"nope\" not found")
            #expect(missing.body.at("details", "name") == "nope")
        }
    }

    @Test func generateNameAndMissingNamespace() async throws {
        try await withTestAPIServer { server in
            let api = APIClient(server)
            let body: JSONValue = ["metadata": ["generateName": "run-"], "data": [:]]
            let created = try await api.post(Self.configs, body)
            #expect(created.status == 201)
            let name = try #require(created.body.at("metadata", "name")?.stringValue)
            #expect(name.hasPrefix("run-") && name.count == 9)
            let orphan = try await api.post(
                "/api/v1/namespaces/ghost/configmaps", object("v1", "ConfigMap", "x", namespace: nil))
            #expect(orphan.status == 404)
            #expect(orphan.body["message"] == "namespaces \"ghost\" not found")
            #expect(try await api.post("/api/v1/configmaps", object("v1", "ConfigMap", "x")).status == 405)
            let badName = try await api.post(Self.configs, object("v1", "ConfigMap", "Bad_Name"))
            #expect(badName.status == 422)
            #expect(badName.body.at("details", "causes")?.arrayValue?.first?["field"] == "metadata.name")
        }
    }

    @Test func staleResourceVersionConflicts() async throws {
        try await withTestAPIServer(configuration: Self.crdConfiguration()) { server in
            let api = APIClient(server)
            let created = try await api.post(Self.runs, Self.run("r1"))
            #expect(created.status == 201)
            var first = created.body
            first.set(path: ["spec", "commit"], to: "def456")
            let updated = try await api.put(Self.runs + "/r1", first)
            #expect(updated.status == 200)
            var stale = created.body
            stale.set(path: ["spec", "commit"], to: "0000")
            let conflict = try await api.put(Self.runs + "/r1", stale)
            #expect(conflict.status == 409)
            #expect(conflict.body["reason"] == "Conflict")
            #expect(
                conflict.body["message"]?.stringValue?.contains(
                    "the object has been modified; please apply your changes to the latest version") == true)
            // Custom resources refuse unconditional updates.
            var unconditional = updated.body
            unconditional.set(path: ["metadata", "resourceVersion"], to: nil)
            let refused = try await api.put(Self.runs + "/r1", unconditional)
            #expect(refused.status == 422)
            // A merge patch carrying a stale resourceVersion is a precondition too.
            let stalePatch = try await api.mergePatch(
                Self.runs + "/r1",
                [
                    "metadata": ["resourceVersion": created.body.at("metadata", "resourceVersion")!],
                    "spec": ["commit": "ab"],
                ])
            #expect(stalePatch.status == 409)
        }
    }

    @Test func generationCountsSpecChangesOnly() async throws {
        try await withTestAPIServer(configuration: Self.crdConfiguration()) { server in
            let api = APIClient(server)
            let created = try await api.post(Self.runs, Self.run("r1"))
            #expect(created.body.at("metadata", "generation") == 1)
            let labelled = try await api.mergePatch(Self.runs + "/r1", ["metadata": ["labels": ["a": "b"]]])
            #expect(labelled.body.at("metadata", "generation") == 1)
            let status = try await api.mergePatch(Self.runs + "/r1/status", ["status": ["phase": "Running"]])
            #expect(status.status == 200)
            #expect(status.body.at("metadata", "generation") == 1)
            let spec = try await api.mergePatch(Self.runs + "/r1", ["spec": ["cancel": true]])
            #expect(spec.body.at("metadata", "generation") == 2)
            // A no-op write keeps the resourceVersion.
            let noop = try await api.mergePatch(Self.runs + "/r1", ["spec": ["cancel": true]])
            #expect(noop.body.at("metadata", "resourceVersion") == spec.body.at("metadata", "resourceVersion"))
        }
    }

    @Test func statusSubresourceIsSeparate() async throws {
        try await withTestAPIServer(configuration: Self.crdConfiguration()) { server in
            let api = APIClient(server)
            var body = Self.run("r1")
            body["status"] = ["phase": "Succeeded"]
            let created = try await api.post(Self.runs, body)
            #expect(created.body["status"] == nil, "status is dropped on create")
            // The main resource ignores status changes.
            let main = try await api.mergePatch(
                Self.runs + "/r1", ["spec": ["commit": "beef"], "status": ["phase": "Failed"]])
            #expect(main.body.at("spec", "commit") == "beef")
            #expect(main.body["status"] == nil)
            // /status ignores everything but status.
            var statusBody = main.body
            statusBody["status"] = ["phase": "Running"]
            statusBody.set(path: ["spec", "commit"], to: "ignored")
            let status = try await api.put(Self.runs + "/r1/status", statusBody)
            #expect(status.status == 200)
            #expect(status.body.at("status", "phase") == "Running")
            #expect(status.body.at("spec", "commit") == "beef")
            // Status is validated against the schema too.
            let invalid = try await api.mergePatch(Self.runs + "/r1/status", ["status": ["phase": "Exploded"]])
            #expect(invalid.status == 422)
            #expect(invalid.body.at("details", "causes")?.arrayValue?.first?["field"] == "status.phase")
        }
    }

    @Test func patchesMergeJSONAndApply() async throws {
        try await withTestAPIServer { server in
            let api = APIClient(server)
            _ = try await api.post(Self.configs, object("v1", "ConfigMap", "p", extra: ["data": ["a": "1", "b": "2"]]))
            let merged = try await api.mergePatch(Self.configs + "/p", ["data": ["a": nil, "c": "3"]])
            #expect(merged.body["data"] == ["b": "2", "c": "3"])
            let ops: JSONValue = [
                ["op": "test", "path": "/data/b", "value": "2"],
                ["op": "add", "path": "/data/d", "value": "4"],
                ["op": "remove", "path": "/data/c"],
                ["op": "replace", "path": "/data/b", "value": "22"],
                ["op": "copy", "from": "/data/d", "path": "/data/e"],
                ["op": "move", "from": "/data/e", "path": "/data/f"],
            ]
            let patched = try await api.send(
                .PATCH, Self.configs + "/p", ops, contentType: "application/json-patch+json")
            #expect(patched.status == 200)
            #expect(patched.body["data"] == ["b": "22", "d": "4", "f": "4"])
            let failedTest = try await api.send(
                .PATCH, Self.configs + "/p", [["op": "test", "path": "/data/b", "value": "nope"]],
                contentType: "application/json-patch+json")
            #expect(failedTest.status == 422)
            let strategic = try await api.send(
                .PATCH, Self.configs + "/p", ["data": ["g": "7"], "$setElementOrder/x": []],
                contentType: "application/strategic-merge-patch+json")
            #expect(strategic.body.at("data", "g") == "7")
            // Server-side apply with a YAML body creates, then merges.
            let yaml = """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: applied
                data:
                  x: "1"
                """
            let created = try await api.send(
                .PATCH, Self.configs + "/applied?fieldManager=test", rawBody: yaml,
                contentType: "application/apply-patch+yaml")
            #expect(created.status == 201)
            let reapplied = try await api.send(
                .PATCH, Self.configs + "/applied?fieldManager=test",
                rawBody: yaml.replacingOccurrences(of: "\"1\"", with: "\"2\""),
                contentType: "application/apply-patch+yaml")
            #expect(reapplied.status == 200)
            #expect(reapplied.body.at("data", "x") == "2")
            let noManager = try await api.send(
                .PATCH, Self.configs + "/applied", rawBody: yaml, contentType: "application/apply-patch+yaml")
            #expect(noManager.status == 422)
            #expect(noManager.body["message"]?.stringValue?.contains("fieldManager: Required value") == true)
        }
    }

    @Test func deletePreconditionsAndFinalizers() async throws {
        try await withTestAPIServer(configuration: Self.crdConfiguration()) { server in
            let api = APIClient(server)
            var body = Self.run("r1")
            body.set(path: ["metadata", "finalizers"], to: ["c8s.dev/cleanup"])
            let created = try await api.post(Self.runs, body)
            let wrongUID = try await api.delete(Self.runs + "/r1", ["preconditions": ["uid": "not-it"]])
            #expect(wrongUID.status == 409)
            let deleting = try await api.delete(
                Self.runs + "/r1", ["preconditions": ["uid": created.body.at("metadata", "uid")!]])
            #expect(deleting.status == 200)
            #expect(deleting.body.at("metadata", "deletionTimestamp")?.stringValue != nil)
            #expect(deleting.body.at("metadata", "generation") == 2)
            let stillThere = try await api.get(Self.runs + "/r1")
            #expect(stillThere.status == 200)
            let addFinalizer = try await api.mergePatch(
                Self.runs + "/r1", ["metadata": ["finalizers": ["c8s.dev/cleanup", "other"]]])
            #expect(addFinalizer.status == 422)
            let released = try await api.mergePatch(Self.runs + "/r1", ["metadata": ["finalizers": nil]])
            #expect(released.status == 200)
            let gone = try await api.get(Self.runs + "/r1")
            #expect(gone.status == 404)
            // Without finalizers a delete removes at once and answers a Success Status.
            _ = try await api.post(Self.runs, Self.run("r2"))
            let immediate = try await api.delete(Self.runs + "/r2")
            #expect(immediate.body["status"] == "Success")
            #expect(try await api.get(Self.runs + "/r2").status == 404)
        }
    }

    @Test func namespaceDeletionRemovesContents() async throws {
        try await withTestAPIServer { server in
            let api = APIClient(server)
            _ = try await api.post("/api/v1/namespaces", object("v1", "Namespace", "team", namespace: nil))
            _ = try await api.post(
                "/api/v1/namespaces/team/configmaps", object("v1", "ConfigMap", "c", namespace: "team"))
            var held = object("v1", "Secret", "s", namespace: "team")
            held.set(path: ["metadata", "finalizers"], to: ["test/hold"])
            _ = try await api.post("/api/v1/namespaces/team/secrets", held)
            let deleting = try await api.delete("/api/v1/namespaces/team")
            #expect(deleting.body.at("status", "phase") == "Terminating")
            #expect(try await api.get("/api/v1/namespaces/team/configmaps/c").status == 404)
            let refused = try await api.post(
                "/api/v1/namespaces/team/configmaps", object("v1", "ConfigMap", "late", namespace: "team"))
            #expect(refused.status == 403)
            #expect(try await api.get("/api/v1/namespaces/team").status == 200)
            _ = try await api.mergePatch("/api/v1/namespaces/team/secrets/s", ["metadata": ["finalizers": nil]])
            #expect(try await api.get("/api/v1/namespaces/team").status == 404)
        }
    }

    @Test func builtInDefaultsAndImmutableFields() async throws {
        try await withTestAPIServer { server in
            let api = APIClient(server)
            let jobs = "/apis/batch/v1/namespaces/default/jobs"
            let template: JSONValue = ["spec": ["containers": [["name": "step", "image": "alpine:3"]]]]
            let noRestart = try await api.post(
                jobs, object("batch/v1", "Job", "j", extra: ["spec": ["template": template]]))
            #expect(noRestart.status == 422)
            #expect(
                noRestart.body.at("details", "causes")?.arrayValue?.first?["field"]
                    == "spec.template.spec.restartPolicy")
            var valid = template
            valid.set(path: ["spec", "restartPolicy"], to: "Never")
            let job = try await api.post(jobs, object("batch/v1", "Job", "j", extra: ["spec": ["template": valid]]))
            #expect(job.status == 201)
            let uid = try #require(job.body.at("metadata", "uid"))
            #expect(job.body.at("spec", "backoffLimit") == 6)
            #expect(job.body.at("spec", "selector", "matchLabels", "batch.kubernetes.io/controller-uid") == uid)
            #expect(job.body.at("spec", "template", "metadata", "labels", "job-name") == "j")
            #expect(
                job.body.at("spec", "template", "spec", "containers")?.arrayValue?.first?["imagePullPolicy"]
                    == "IfNotPresent")
            let mutate = try await api.mergePatch(
                jobs + "/j", ["spec": ["template": ["spec": ["activeDeadlineSeconds": 5]]]])
            #expect(mutate.status == 422)
            #expect(mutate.body["message"]?.stringValue?.contains("spec.template: Invalid value") == true)
            #expect(try await api.mergePatch(jobs + "/j", ["spec": ["suspend": true]]).status == 200)

            let pods = "/api/v1/namespaces/default/pods"
            let noImage = try await api.post(
                pods, object("v1", "Pod", "p", extra: ["spec": ["containers": [["name": "c"]]]]))
            #expect(noImage.status == 422)
            #expect(noImage.body.at("details", "causes")?.arrayValue?.first?["field"] == "spec.containers[0].image")
            _ = try await api.post(
                pods, object("v1", "Pod", "p", extra: ["spec": ["containers": [["name": "c", "image": "a:1"]]]]))
            let image = try await api.send(
                .PATCH, pods + "/p", [["op": "replace", "path": "/spec/containers/0/image", "value": "a:2"]],
                contentType: "application/json-patch+json")
            #expect(image.status == 200)
            let node = try await api.mergePatch(pods + "/p", ["spec": ["nodeName": "n1", "restartPolicy": "Never"]])
            #expect(node.status == 422)
            let binding: JSONValue = [
                "apiVersion": "v1", "kind": "Binding", "metadata": ["name": "p"],
                "target": ["kind": "Node", "name": "n1"],
            ]
            let bound = try await api.post(pods + "/p/binding", binding)
            #expect(bound.status == 201)
            #expect(try await api.get(pods + "/p").body.at("spec", "nodeName") == "n1")
            #expect(try await api.post(pods + "/p/binding", binding).status == 409)

            let secrets = "/api/v1/namespaces/default/secrets"
            let secret = try await api.post(
                secrets, object("v1", "Secret", "s", extra: ["stringData": ["token": "hunter2"]]))
            #expect(secret.body.at("data", "token") == "aHVudGVyMg==")
            #expect(secret.body["stringData"] == nil)
            #expect(secret.body["type"] == "Opaque")
            let badData = try await api.post(secrets, object("v1", "Secret", "t", extra: ["data": ["k": "%%%"]]))
            #expect(badData.status == 400)
        }
    }
}
