import C8STestSupport
import Foundation
import Testing

@testable import C8SKube

@Suite struct ClientTests {
    @Test func crudAndTypedErrors() async throws {
        try await withServerAndClient { client, _ in
            let created = try await client.create(pod("web", labels: ["app": "web"]))
            #expect(created.metadata.uid != nil)
            #expect(created.metadata.namespace == "default")
            let version = try #require(created.metadata.resourceVersion)

            let read = try await client.get(Pod.self, name: "web")
            #expect(read.metadata.labels == ["app": "web"])
            #expect(read.spec?.containers.first?.image == "alpine")

            do {
                _ = try await client.create(pod("web"))
                Issue.record("create of a taken name succeeded")
            } catch let error as KubeError {
                #expect(error.code == .alreadyExists)
                #expect(error.description.contains("POST /api/v1/namespaces/default/pods"))
            }
            do {
                _ = try await client.get(Pod.self, name: "nope")
                Issue.record("get of a missing object succeeded")
            } catch let error as KubeError {
                #expect(error.isNotFound)
            }
            #expect(try await client.getIfPresent(Pod.self, name: "nope") == nil)

            var changed = read
            changed.metadata.labels?["tier"] = "front"
            let updated = try await client.update(changed)
            #expect(updated.metadata.labels == ["app": "web", "tier": "front"])
            #expect(updated.metadata.resourceVersion != version)

            // A write from a stale read conflicts.
            var stale = read
            stale.metadata.labels?["stale"] = "yes"
            do {
                _ = try await client.update(stale)
                Issue.record("stale update succeeded")
            } catch let error as KubeError {
                #expect(error.isConflict)
            }

            // Status subresource: spec changes in a status update are ignored.
            var withStatus = updated
            withStatus.status = PodStatus(phase: "Running")
            withStatus.metadata.labels?["ignored"] = "yes"
            let statusUpdated = try await client.updateStatus(withStatus)
            #expect(statusUpdated.status?.phase == "Running")
            #expect(statusUpdated.metadata.labels?["ignored"] == nil)
            let status = try await client.getStatus(Pod.self, name: "web")
            #expect(status.status?.phase == "Running")
            let patchedStatus = try await client.patch(
                Pod.self, name: "web", .merge(["status": ["phase": "Succeeded"]]), subresource: "status")
            #expect(patchedStatus.status?.phase == "Succeeded")

            // Patches of every type.
            let merged = try await client.patch(Pod.self, name: "web", .merge(["metadata": ["labels": ["tier": nil]]]))
            #expect(merged.metadata.labels == ["app": "web"])
            let jsonPatched = try await client.patch(
                Pod.self, name: "web",
                .json([
                    .test("/metadata/labels/app", "web"),
                    .add("/metadata/labels/" + JSONPatchOperation.escape("c8s.dev/step"), "lint"),
                ]))
            #expect(jsonPatched.metadata.labels?["c8s.dev/step"] == "lint")
            do {
                _ = try await client.patch(Pod.self, name: "web", .json([.test("/metadata/labels/app", "db")]))
                Issue.record("failed JSON-patch test succeeded")
            } catch let error as KubeError {
                #expect(error.httpStatus != nil && error.httpStatus! >= 400)
            }

            // Delete with a failing precondition, then for real.
            do {
                try await client.delete(
                    Pod.self, name: "web",
                    options: DeleteOptions(
                        preconditions: .init(uid: "not-the-uid")))
                Issue.record("delete with a wrong uid precondition succeeded")
            } catch let error as KubeError {
                #expect(error.isConflict)
            }
            try await client.delete(
                Pod.self, name: "web",
                options: DeleteOptions(
                    propagationPolicy: .background, preconditions: .init(uid: created.metadata.uid)))
            #expect(try await client.getIfPresent(Pod.self, name: "web") == nil)
        }
    }

    @Test func serverSideApplyOwnsFields() async throws {
        // A Secret rather than a Pod: the test server's apply drops fields its Pod defaulting added, which Pod
        // immutability then refuses (a real API server keeps defaulted fields no manager owns).
        try await withServerAndClient { client, _ in
            var desired = Secret(
                metadata: ObjectMeta(name: "applied", namespace: "default", labels: ["owner": "c8s"]),
                data: ["token": Array("one".utf8)])
            let applied = try await client.apply(desired, fieldManager: "c8s-coordinator")
            #expect(applied.metadata.labels == ["owner": "c8s"])
            #expect(applied.value("token") == Array("one".utf8))
            desired.metadata.labels = ["owner": "c8s", "second": "apply"]
            desired.data = ["token": "dHdv"]
            let again = try await client.apply(desired, fieldManager: "c8s-coordinator", force: true)
            #expect(again.metadata.labels?["second"] == "apply")
            #expect(again.value("token") == Array("two".utf8))
        }
    }

    @Test func invalidCustomResourceNamesTheField() async throws {
        try await withServerAndClient { client, _ in
            struct BadRun: KubeResource {
                static let apiVersion = "c8s.dev/v1alpha1"
                static let kind = "PipelineRun"
                static let plural = "pipelineruns"
                static let namespaced = true
                var metadata: ObjectMeta
                var spec: JSONValue
                var unknownFields = UnknownFields()
            }
            do {
                _ = try await client.create(BadRun(metadata: ObjectMeta(name: "bad"), spec: ["commit": 5]))
                Issue.record("invalid run accepted")
            } catch let error as KubeError {
                #expect(error.isInvalid)
                #expect(!error.causes.isEmpty)
                #expect(error.description.contains("spec."))
            }
        }
    }

    @Test func paginationWithLimitAndContinue() async throws {
        try await withServerAndClient { client, _ in
            for index in 0..<57 {
                _ = try await client.create(
                    pod(String(format: "p-%03d", index), labels: ["batch": index % 2 == 0 ? "even" : "odd"]))
            }
            let first = try await client.list(Pod.self, options: ListOptions(limit: 10))
            #expect(first.items.count == 10)
            #expect(first.metadata.continue != nil)
            let all = try await client.listAll(Pod.self, pageSize: 10)
            #expect(all.items.count == 57)
            #expect(Set(all.items.compactMap(\.metadata.name)).count == 57)
            let even = try await client.listAll(
                Pod.self, options: ListOptions(labelSelector: "batch=even"), pageSize: 7)
            #expect(even.items.count == 29)
            let one = try await client.list(Pod.self, options: ListOptions(fieldSelector: "metadata.name=p-003"))
            #expect(one.items.map(\.metadata.name) == ["p-003"])
            let everywhere = try await client.list(
                Pod.self, allNamespaces: true, options: ListOptions(labelSelector: "batch in (odd)"))
            #expect(everywhere.items.count == 28)
        }
    }

    @Test func retryOnConflictResolvesConcurrentWriters() async throws {
        try await withServerAndClient { client, _ in
            _ = try await client.create(Secret(metadata: ObjectMeta(name: "counter"), stringData: ["n": "0"]))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        for _ in 0..<5 {
                            try await client.modify(Secret.self, name: "counter", maxAttempts: 100) { secret in
                                let current = Int(String(decoding: secret.value("n") ?? [], as: UTF8.self)) ?? 0
                                secret.data = ["n": Data(String(current + 1).utf8).base64EncodedString()]
                                secret.stringData = nil
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let secret = try await client.get(Secret.self, name: "counter")
            #expect(secret.value("n") == Array("40".utf8))
        }
    }

    @Test func unknownFieldsSurviveAnUpdateThroughTheServer() async throws {
        try await withServerAndClient { client, server in
            _ = try server.create([
                "apiVersion": "batch/v1", "kind": "Job",
                "metadata": ["name": "j", "namespace": "default", "annotations": ["keep": "me"]],
                "spec": [
                    "completionMode": "NonIndexed", "backoffLimit": 0,
                    "template": [
                        "spec": [
                            "restartPolicy": "Never", "dnsPolicy": "ClusterFirst",
                            "containers": [["name": "step", "image": "alpine", "tty": true]],
                        ]
                    ],
                ],
            ])
            var job = try await client.get(Job.self, name: "j")
            job.spec?.backoffLimit = 3
            job.metadata.labels = ["c8s.dev/step": "build"]
            _ = try await client.update(job)
            struct RawJob: KubeResource {
                static let apiVersion = "batch/v1"
                static let kind = "Job"
                static let plural = "jobs"
                static let namespaced = true
                var metadata: ObjectMeta
                var unknownFields = UnknownFields()
            }
            let raw = try await client.get(RawJob.self, name: "j").unknownFields.raw
            #expect(raw["spec"]?["completionMode"] == "NonIndexed")
            #expect(raw["spec"]?["backoffLimit"] == 3)
            #expect(raw["spec"]?["template"]?["spec"]?["dnsPolicy"] == "ClusterFirst")
            #expect(raw["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["tty"] == true)
            #expect(raw["metadata"]?["annotations"]?["keep"] == "me")
            #expect(raw["metadata"]?["labels"]?["c8s.dev/step"] == "build")
        }
    }

    @Test func clientFromAKubeconfigTheServerWrote() async throws {
        try await withServerAndClient { _, server in
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("kc-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            try server.writeKubeconfig(to: path, namespace: "kube-system")
            let configuration = try KubeClientConfiguration.load(environment: ["KUBECONFIG": path])
            #expect(configuration.namespace == "kube-system")
            try await withKubeClient(configuration: configuration) { client in
                _ = try await client.create(pod("in-kube-system"))
                #expect(try await client.get(Pod.self, name: "in-kube-system").metadata.namespace == "kube-system")
            }
        }
    }
}
