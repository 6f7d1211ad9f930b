import C8SKube
import C8STestSupport
import Testing

/// Owner-reference garbage collection with the three propagation policies.
@Suite struct GarbageCollectionTests {
    static let jobs = "/apis/batch/v1/namespaces/default/jobs"
    static let pods = "/api/v1/namespaces/default/pods"

    /// A Job owning two Pods; `held` gets a finalizer; returns the job's uid.
    static func makeFamily(_ api: APIClient, block: Bool, heldPod: Bool = false) async throws -> String {
        let template: JSONValue = [
            "spec": ["restartPolicy": "Never", "containers": [["name": "step", "image": "alpine:3"]]]
        ]
        let job = try await api.post(Self.jobs, object("batch/v1", "Job", "j", extra: ["spec": ["template": template]]))
        let uid = try #require(job.body.at("metadata", "uid"))
        for name in ["p1", "p2"] {
            var pod = object("v1", "Pod", name, extra: ["spec": ["containers": [["name": "c", "image": "alpine"]]]])
            pod.set(
                path: ["metadata", "ownerReferences"],
                to: [
                    [
                        "apiVersion": "batch/v1", "kind": "Job", "name": "j", "uid": uid,
                        "blockOwnerDeletion": .bool(block),
                    ]
                ])
            if heldPod, name == "p1" { pod.set(path: ["metadata", "finalizers"], to: ["c8s.dev/logs"]) }
            #expect(try await api.post(Self.pods, pod).status == 201)
        }
        return uid.stringValue ?? ""
    }

    @Test func backgroundDeletesDependentsAfterTheOwner() async throws {
        try await withTestAPIServer { server in
            let api = APIClient(server)
            _ = try await Self.makeFamily(api, block: false, heldPod: true)
            let deleted = try await api.delete(Self.jobs + "/j", ["propagationPolicy": "Background"])
            #expect(deleted.status == 200)
            #expect(try await api.get(Self.jobs + "/j").status == 404)
            #expect(try await api.get(Self.pods + "/p2").status == 404)
            let held = try await api.get(Self.pods + "/p1")
            #expect(held.status == 200, "a dependent with a finalizer waits for it")
            #expect(held.body.at("metadata", "deletionTimestamp") != nil)
            _ = try await api.mergePatch(Self.pods + "/p1", ["metadata": ["finalizers": nil]])
            #expect(try await api.get(Self.pods + "/p1").status == 404)
        }
    }

    @Test func foregroundWaitsForBlockingDependents() async throws {
        try await withTestAPIServer { server in
            let api = APIClient(server)
            _ = try await Self.makeFamily(api, block: true, heldPod: true)
            let deleting = try await api.delete(Self.jobs + "/j", ["propagationPolicy": "Foreground"])
            #expect(deleting.body.at("metadata", "finalizers") == ["foregroundDeletion"])
            #expect(deleting.body.at("metadata", "deletionTimestamp") != nil)
            #expect(try await api.get(Self.pods + "/p2").status == 404)
            #expect(try await api.get(Self.jobs + "/j").status == 200, "owner waits for the held pod")
            _ = try await api.mergePatch(Self.pods + "/p1", ["metadata": ["finalizers": nil]])
            #expect(try await api.get(Self.pods + "/p1").status == 404)
            #expect(try await api.get(Self.jobs + "/j").status == 404)
        }
    }

    @Test func orphanKeepsDependentsAndDropsTheReference() async throws {
        try await withTestAPIServer { server in
            let api = APIClient(server)
            _ = try await Self.makeFamily(api, block: true)
            _ = try await api.delete(Self.jobs + "/j", ["propagationPolicy": "Orphan"])
            #expect(try await api.get(Self.jobs + "/j").status == 404)
            let pod = try await api.get(Self.pods + "/p1")
            #expect(pod.status == 200)
            #expect(pod.body.at("metadata", "ownerReferences") == nil)
        }
    }

    @Test func jobsOrphanByDefaultLikeTheRealAPI() async throws {
        try await withTestAPIServer { server in
            let api = APIClient(server)
            _ = try await Self.makeFamily(api, block: false)
            _ = try await api.delete(Self.jobs + "/j")
            #expect(try await api.get(Self.pods + "/p1").status == 200)
        }
    }
}
