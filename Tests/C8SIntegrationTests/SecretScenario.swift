import C8SAPI
import C8SCore
import C8SKube
import C8SLogs
import Foundation
import Testing

extension Scenarios {
    /// A step prints a Secret's value and its base64: neither form appears in any stored object (chunks
    /// decompressed with the `zstd` tool, index, completion marker), the run's status, the namespace's Events,
    /// or the coordinator's and agents' own logs; the stored log shows `***` where the value was.
    @Test func secretValueAppearsNowhere() async throws {
        try await withInstallation { installation in
            let secret = SecretForms(value: "tok-\(UUID().uuidString.lowercased())")
            _ = try await installation.client.create(
                Secret(
                    metadata: ObjectMeta(name: "deploy-token", namespace: installation.namespace),
                    data: ["token": Array(secret.value.utf8)]))
            try await installation.createConfig(
                "secret",
                PipelineSpec(steps: [
                    installation.step(
                        "publish", secrets: [SecretReference(name: "deploy-token", key: "token", env: "TOKEN")],
                        "echo \"token is $TOKEN\"", "printf '%s' \"$TOKEN\" | base64", "echo published")
                ]))
            try await installation.createRun("secret-1", config: "secret")
            let run = try await installation.waitForFinish("secret-1")
            #expect(run.status?.phase == .succeeded, "\(run.status?.message ?? "")")
            let done = try await installation.waitForLogs("secret-1", steps: ["publish"])

            // The stored log: masked, and the step really printed it.
            let texts = try await installation.storedLog(run: "secret-1", step: "publish").map(\.record.text)
            #expect(texts == ["token is \(SecretMasker.replacement)", SecretMasker.replacement, "published"])

            // Every stored object of this namespace.
            let objects = try await installation.logStore.list(prefix: "\(installation.namespace)/")
            #expect(!objects.isEmpty)
            var chunks = 0
            for object in objects {
                let bytes = try #require(try await installation.logStore.get(object.key), "\(object.key) vanished")
                let text: String
                if isZstdFrame(bytes) {
                    chunks += 1
                    text = String(decoding: try await zstdDecompress(bytes), as: UTF8.self)
                    if object.key.contains("/publish/") { #expect(text.contains("published")) }
                } else {
                    text = String(decoding: bytes, as: UTF8.self)
                }
                #expect(secret.leaks(in: text).isEmpty, "the secret is in stored object \(object.key)")
            }
            #expect(chunks >= 1)

            // The run's status and the Events.
            let status = String(decoding: try KubeCodec.encode(done), as: UTF8.self)
            #expect(status.contains("publish"))
            #expect(secret.leaks(in: status).isEmpty, "the secret is in the run")
            let events = try await installation.client.list(Event.self, namespace: installation.namespace).items
            #expect(!events.isEmpty)
            for event in events {
                let text = String(decoding: try KubeCodec.encode(event), as: UTF8.self)
                #expect(secret.leaks(in: text).isEmpty, "the secret is in Event \(event.metadata.name ?? "")")
            }

            // Our own logs.
            let logs = try await installation.componentLogs()
            #expect(!logs.isEmpty)
            #expect(secret.leaks(in: logs).isEmpty, "the secret is in the components' logs")
        }
    }
}
