import C8SKube
import C8STestSupport
import Foundation
import Testing

/// Selectors, pagination and watches.
@Suite struct ListWatchTests {
    static let pods = "/api/v1/namespaces/default/pods"

    static func names(_ list: JSONValue) -> [String] {
        (list["items"]?.arrayValue ?? []).compactMap { $0.at("metadata", "name")?.stringValue }
    }

    static func pod(_ name: String, labels: [String: String], node: String? = nil) -> JSONValue {
        var spec: JSONValue = ["containers": [["name": "c", "image": "alpine"]]]
        if let node { spec["nodeName"] = .string(node) }
        return object("v1", "Pod", name, labels: labels, extra: ["spec": spec])
    }

    @Test func labelAndFieldSelectors() async throws {
        try await withTestAPIServer { server in
            let api = APIClient(server)
            _ = try await api.post(Self.pods, Self.pod("a", labels: ["tier": "web", "env": "prod"], node: "n1"))
            _ = try await api.post(Self.pods, Self.pod("b", labels: ["tier": "db", "env": "prod"], node: "n2"))
            _ = try await api.post(Self.pods, Self.pod("c", labels: ["tier": "web"], node: "n2"))
            func select(_ query: String) async throws -> [String] {
                let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
                return Self.names(try await api.get(Self.pods + "?labelSelector=" + encoded).body)
            }
            #expect(try await select("tier=web") == ["a", "c"])
            #expect(try await select("tier==web,env=prod") == ["a"])
            #expect(try await select("tier!=web") == ["b"])
            #expect(try await select("tier in (db, web),env") == ["a", "b"])
            #expect(try await select("tier notin (web)") == ["b"])
            #expect(try await select("!env") == ["c"])
            let byNode = try await api.get(Self.pods + "?fieldSelector=spec.nodeName%3Dn2")
            #expect(Self.names(byNode.body) == ["b", "c"])
            let notName = try await api.get(Self.pods + "?fieldSelector=metadata.name!%3Da,status.phase%3DPending")
            #expect(Self.names(notName.body) == ["b", "c"])
            let unsupported = try await api.get(Self.pods + "?fieldSelector=spec.bogus%3Dx")
            #expect(unsupported.status == 400)
            let allNamespaces = try await api.get("/api/v1/pods")
            #expect(Self.names(allNamespaces.body) == ["a", "b", "c"])
        }
    }

    @Test func paginationWithContinueTokens() async throws {
        try await withTestAPIServer { server in
            let api = APIClient(server)
            for index in 0..<5 {
                _ = try await api.post(Self.pods, Self.pod("p\(index)", labels: [:]))
            }
            var collected: [String] = []
            var token: String?
            var pages = 0
            repeat {
                var path = Self.pods + "?limit=2"
                if let token {
                    path += "&continue=" + (token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
                }
                let page = try await api.get(path)
                collected += Self.names(page.body)
                token = page.body.at("metadata", "continue")?.stringValue
                pages += 1
            } while token != nil && pages < 10
            #expect(collected == ["p0", "p1", "p2", "p3", "p4"])
            #expect(pages == 3)
            let first = try await api.get(Self.pods + "?limit=2")
            #expect(first.body.at("metadata", "remainingItemCount") == 3)
            let stale = try #require(first.body.at("metadata", "continue")?.stringValue)
            _ = try await api.post(Self.pods, Self.pod("p9", labels: [:]))
            server.compactHistory()
            let expired = try await api.get(
                Self.pods + "?limit=2&continue="
                    + (stale.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
            #expect(expired.status == 410)
            #expect(expired.body["reason"] == "Expired")
        }
    }

    @Test func watchDeliversEventsInOrderWithSelectorTransitions() async throws {
        try await withTestAPIServer { server in
            let api = APIClient(server)
            _ = try await api.post(Self.pods, Self.pod("old", labels: ["app": "x"]))
            let start = server.currentResourceVersion
            try await api.withWatch(Self.pods + "?watch=true&labelSelector=app%3Dx&timeoutSeconds=20") { frames in
                var iterator = frames.makeAsyncIterator()
                let initial = await nextFrame(&iterator)
                #expect(initial?["type"] == "ADDED")
                #expect(initial?.at("object", "metadata", "name") == "old")
                _ = try await api.post(Self.pods, Self.pod("new", labels: ["app": "x"]))
                _ = try await api.post(Self.pods, Self.pod("other", labels: ["app": "y"]))
                _ = try await api.mergePatch(Self.pods + "/new", ["metadata": ["labels": ["app": "y"]]])
                _ = try await api.mergePatch(Self.pods + "/other", ["metadata": ["labels": ["app": "x"]]])
                _ = try await api.delete(Self.pods + "/old")
                var seen: [String] = []
                for _ in 0..<4 {
                    guard let frame = await nextFrame(&iterator) else { break }
                    let name = frame.at("object", "metadata", "name")?.stringValue ?? ""
                    seen.append("\(frame["type"]?.stringValue ?? "") \(name)")
                }
                #expect(seen == ["ADDED new", "DELETED new", "ADDED other", "DELETED old"])
            }
            // Resuming from a resourceVersion replays only later events.
            try await api.withWatch(Self.pods + "?watch=1&resourceVersion=\(start)&timeoutSeconds=20") { frames in
                var iterator = frames.makeAsyncIterator()
                let first = await nextFrame(&iterator)
                #expect(first?["type"] == "ADDED")
                #expect(first?.at("object", "metadata", "name") == "new")
            }
        }
    }

    @Test func bookmarksTimeoutAndEndingWatches() async throws {
        let configuration = TestAPIServer.Configuration(bookmarkInterval: .milliseconds(200))
        try await withTestAPIServer(configuration: configuration) { server in
            let api = APIClient(server)
            let rv = server.currentResourceVersion
            try await api.withWatch(
                Self.pods + "?watch=true&allowWatchBookmarks=true&resourceVersion=\(rv)&timeoutSeconds=20"
            ) { frames in
                var iterator = frames.makeAsyncIterator()
                let bookmark = await nextFrame(&iterator)
                #expect(bookmark?["type"] == "BOOKMARK")
                #expect(bookmark?.at("object", "metadata", "resourceVersion")?.stringValue == rv)
                _ = try await api.post(Self.pods, Self.pod("p", labels: [:]))
                let added = await nextFrame(&iterator) { $0["type"] != "BOOKMARK" }
                #expect(added?["type"] == "ADDED")
                let later = await nextFrame(&iterator) { $0["type"] == "BOOKMARK" }
                let laterRV = later?.at("object", "metadata", "resourceVersion")?.stringValue.flatMap { Int($0) } ?? 0
                #expect(laterRV >= Int(rv)! + 1)
                server.endAllWatches()
                let rest = await nextFrame(&iterator) { $0["type"] != "BOOKMARK" }
                #expect(rest == nil, "the stream ends")
            }
            let started = ContinuousClock.now
            try await api.withWatch(Self.pods + "?watch=true&timeoutSeconds=1") { frames in
                var iterator = frames.makeAsyncIterator()
                let frame = await nextFrame(&iterator) { $0["type"] != "ADDED" }
                #expect(frame == nil)
            }
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }

    @Test func watchFromCompactedResourceVersionIsGone() async throws {
        let configuration = TestAPIServer.Configuration(eventHistoryLimit: 3)
        try await withTestAPIServer(configuration: configuration) { server in
            let api = APIClient(server)
            let start = server.currentResourceVersion
            for index in 0..<5 { _ = try await api.post(Self.pods, Self.pod("p\(index)", labels: [:])) }
            try await api.withWatch(Self.pods + "?watch=true&resourceVersion=\(start)&timeoutSeconds=20") { frames in
                var iterator = frames.makeAsyncIterator()
                let error = await nextFrame(&iterator)
                #expect(error?["type"] == "ERROR")
                #expect(error?.at("object", "code") == 410)
                #expect(error?.at("object", "reason") == "Expired")
                #expect(await nextFrame(&iterator) == nil)
            }
            let now = server.currentResourceVersion
            server.compactHistory()
            try await api.withWatch(Self.pods + "?watch=true&resourceVersion=\(now)&timeoutSeconds=2") { frames in
                var iterator = frames.makeAsyncIterator()
                #expect(await nextFrame(&iterator) == nil, "the current resourceVersion is still watchable")
            }
        }
    }

    @Test func streamingListSendsInitialEventsThenAnnotatedBookmark() async throws {
        try await withTestAPIServer { server in
            let api = APIClient(server)
            _ = try await api.post(Self.pods, Self.pod("a", labels: [:]))
            _ = try await api.post(Self.pods, Self.pod("b", labels: [:]))
            let path =
                Self.pods
                + "?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan"
                + "&timeoutSeconds=20"
            try await api.withWatch(path) { frames in
                var iterator = frames.makeAsyncIterator()
                let first = await nextFrame(&iterator)
                let second = await nextFrame(&iterator)
                #expect(first?.at("object", "metadata", "name") == "a")
                #expect(second?.at("object", "metadata", "name") == "b")
                let end = await nextFrame(&iterator)
                #expect(end?["type"] == "BOOKMARK")
                #expect(end?.at("object", "metadata", "annotations", "k8s.io/initial-events-end") == "true")
            }
        }
    }

    @Test func deleteCollectionHonoursSelectors() async throws {
        try await withTestAPIServer { server in
            let api = APIClient(server)
            _ = try await api.post(Self.pods, Self.pod("a", labels: ["run": "1"]))
            _ = try await api.post(Self.pods, Self.pod("b", labels: ["run": "2"]))
            let deleted = try await api.delete(Self.pods + "?labelSelector=run%3D1")
            #expect(deleted.status == 200)
            #expect(Self.names(try await api.get(Self.pods).body) == ["b"])
            let table = try await api.send(.GET, Self.pods, accept: "application/json;as=Table;v=v1;g=meta.k8s.io")
            let columns = table.body["columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
            #expect(columns?.first == "Name")
            #expect(columns == ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node"])
            #expect(table.body["rows"]?.arrayValue?.first?["cells"]?.arrayValue?.dropFirst().first == "0/1")
            #expect(table.body["rows"]?.arrayValue?.first?["cells"]?.arrayValue?.first == "b")
        }
    }

    @Test func concurrentWritersAreSeenInResourceVersionOrder() async throws {
        try await withTestAPIServer { server in
            let api = APIClient(server)
            let writers = 8
            let perWriter = 40
            let start = server.currentResourceVersion
            let path = Self.pods + "?watch=true&resourceVersion=\(start)&timeoutSeconds=60"
            try await api.withWatch(path) { frames in
                let clock = ContinuousClock()
                let began = clock.now
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for writer in 0..<writers {
                        group.addTask {
                            for index in 0..<perWriter {
                                let reply = try await api.post(Self.pods, Self.pod("w\(writer)-\(index)", labels: [:]))
                                #expect(reply.status == 201)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let elapsed = clock.now - began
                var iterator = frames.makeAsyncIterator()
                var versions: [Int] = []
                while versions.count < writers * perWriter, let frame = await nextFrame(&iterator) {
                    #expect(frame["type"] == "ADDED")
                    versions.append(Int(frame.at("object", "metadata", "resourceVersion")?.stringValue ?? "") ?? -1)
                }
                #expect(versions.count == writers * perWriter)
                #expect(versions == versions.sorted())
                #expect(Set(versions).count == versions.count)
                #expect(versions.first == Int(start)! + 1)
                print("test API server: \(writers * perWriter) creates from \(writers) clients in \(elapsed)")
            }
            let list = try await api.get(Self.pods)
            #expect(list.body["items"]?.arrayValue?.count == writers * perWriter)
        }
    }

    @Test func aDisconnectedWatchIsReleasedAtTheNextWrite() async throws {
        let configuration = TestAPIServer.Configuration(bookmarkInterval: .milliseconds(100))
        try await withTestAPIServer(configuration: configuration) { server in
            let api = APIClient(server)
            try await api.withWatch(Self.pods + "?watch=true&allowWatchBookmarks=true&timeoutSeconds=60") { frames in
                var iterator = frames.makeAsyncIterator()
                _ = await nextFrame(&iterator)
                #expect(server.openWatchCount == 1)
            }
            // The client hung up: the next bookmark write fails and the server drops the watch.
            let deadline = ContinuousClock.now + .seconds(10)
            while server.openWatchCount > 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(server.openWatchCount == 0)
        }
    }
}
