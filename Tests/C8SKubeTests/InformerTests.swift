import C8STestSupport
import Foundation
import Synchronization
import Testing

@testable import C8SKube

/// Signals every informer change into a stream, so tests wait on changes instead of polling.
func changeSignal<R: KubeResource>(_ informer: Informer<R>) -> ChangeSignal {
    let signal = ChangeSignal()
    informer.addHandler(
        InformerHandler(
            onAdd: { _ in signal.notify() }, onUpdate: { _, _ in signal.notify() }, onDelete: { _ in signal.notify() }))
    return signal
}

/// Whether the cache holds exactly the server's objects at their current resourceVersions.
func cacheMatchesServer<R: KubeResource>(_ informer: Informer<R>, _ client: KubeClient, selector: String? = nil)
    async throws -> Bool
{
    let server = try await client.listAll(R.self, options: ListOptions(labelSelector: selector))
    let expected = Dictionary(uniqueKeysWithValues: server.items.map { ($0.key, $0.metadata.resourceVersion) })
    let cached = Dictionary(uniqueKeysWithValues: informer.cache.list().map { ($0.key, $0.metadata.resourceVersion) })
    return expected == cached
}

@Suite struct InformerTests {
    @Test func reconnectsWhenTheServerEndsTheStream() async throws {
        try await withServerAndClient { client, server in
            let informer = Informer<Pod>(
                client: client, configuration: .init(namespace: "default"),
                indexers: ["app": .label("app")])
            let changes = changeSignal(informer)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await informer.run() }
                await informer.waitForSync()
                // Created after the list, so it arrives through the watch: the watch is open when it is cached.
                _ = try await client.create(pod("a", labels: ["app": "x"]))
                #expect(
                    try await waitUntil(.seconds(10), changes: changes) {
                        informer.cache.get(name: "a", namespace: "default") != nil
                    })

                server.endAllWatches()
                _ = try await client.create(pod("b", labels: ["app": "x"]))
                try await client.delete(Pod.self, name: "a")
                #expect(
                    try await waitUntil(.seconds(10), changes: changes) {
                        informer.cache.get(name: "b", namespace: "default") != nil
                            && informer.cache.get(name: "a", namespace: "default") == nil
                    })
                #expect(informer.statistics.watches >= 2)
                #expect(informer.statistics.lists == 1)
                #expect(informer.cache.byIndex("app", "x").map(\.metadata.name) == ["b"])
                group.cancelAll()
            }
        }
    }

    @Test func relistsAfterGone() async throws {
        try await withServerAndClient(configure: { $0.bookmarkInterval = .seconds(3600) }) { client, server in
            let informer = Informer<Pod>(client: client, configuration: .init(labelSelector: "watched=yes"))
            let changes = changeSignal(informer)
            try await withThrowingTaskGroup(of: Void.self) { group in
                _ = try await client.create(pod("w1", labels: ["watched": "yes"]))
                group.addTask { try await informer.run() }
                await informer.waitForSync()
                // Changes the informer does not see move the server's resourceVersion past the informer's.
                for index in 0..<5 { _ = try await client.create(pod("other-\(index)")) }
                server.compactHistory()
                server.endAllWatches()
                // The re-watch from the informer's old version gets an ERROR 410 event; it lists again.
                _ = try await client.create(pod("w2", labels: ["watched": "yes"]))
                #expect(
                    try await waitUntil(.seconds(10), changes: changes) {
                        informer.cache.get(name: "w2", namespace: "default") != nil
                    })
                #expect(informer.statistics.gone >= 1)
                #expect(informer.statistics.lists >= 2)
                #expect(try await cacheMatchesServer(informer, client, selector: "watched=yes"))
                group.cancelAll()
            }
        }
    }

    @Test func watchReturnsGoneForAnExpiredVersionAndDeliversBookmarks() async throws {
        try await withServerAndClient(configure: { $0.bookmarkInterval = .milliseconds(50) }) { client, server in
            let first = try await client.create(pod("x"))
            _ = try await client.create(pod("y"))
            server.compactHistory()
            do {
                for try await _ in try await client.watch(
                    Pod.self,
                    options: ListOptions(
                        resourceVersion: first.metadata.resourceVersion))
                {}
                Issue.record("watch from a compacted version did not fail")
            } catch let error as KubeError {
                #expect(error.isGone)
            }
            let list = try await client.list(Pod.self)
            var sawBookmark = false
            for try await event in try await client.watch(
                Pod.self,
                options: ListOptions(
                    resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: true))
            {
                if case .bookmark(let version) = event {
                    #expect(!version.isEmpty)
                    sawBookmark = true
                    break
                }
            }
            #expect(sawBookmark)
        }
    }

    @Test func cacheConvergesUnderABurstOfTenThousandUpdates() async throws {
        try await withServerAndClient { client, server in
            let objects = 100
            let writers = 8
            let updatesPerWriter = 1_250
            for index in 0..<objects { _ = try await client.create(pod("burst-\(index)", labels: ["n": "0"])) }
            let informer = Informer<Pod>(client: client)
            let changes = changeSignal(informer)
            let queue = WorkQueue<ObjectKey>()
            informer.addHandler(.enqueue(into: queue))
            let processed = Locked(0)
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await informer.run() }
                group.addTask {
                    await queue.run(workers: 4) { key in
                        #expect(informer.cache.get(key) != nil || true)
                        processed.withLock { $0 += 1 }
                        return .done
                    }
                }
                await informer.waitForSync()
                try await withThrowingTaskGroup(of: Void.self) { writersGroup in
                    for writer in 0..<writers {
                        writersGroup.addTask {
                            for update in 0..<updatesPerWriter {
                                let name = "burst-\((writer * 31 + update * 7) % objects)"
                                _ = try await client.patch(
                                    Pod.self, name: name,
                                    .merge(["metadata": ["labels": ["n": .string("\(writer)-\(update)")]]]))
                                if writer == 0, update == updatesPerWriter / 2 { server.endAllWatches() }
                            }
                        }
                    }
                    try await writersGroup.waitForAll()
                }
                let writeTime = ContinuousClock.now - start
                let converged = try await waitUntil(.seconds(60), changes: changes) {
                    informer.lastResourceVersion == server.currentResourceVersion
                }
                #expect(converged)
                #expect(try await cacheMatchesServer(informer, client))
                let events = informer.statistics.events
                #expect(events >= objects)
                print(
                    "10,000 updates written in \(writeTime); informer applied \(events) events, "
                        + "\(informer.statistics.watches) watches; "
                        + "work queue processed \(processed.withLock { $0 }) keys")
                group.cancelAll()
            }
        }
    }
}
