import C8STestSupport
import Foundation
import Logging
import ServiceLifecycle
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Starting and stopping the server as a service (what `c8s-sim` does) and loading manifests.
@Suite struct ServerLifecycleTests {
    @Test func gracefulShutdownEndsOpenWatchesAndStops() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let server = try TestAPIServer(logger: logger)
        let (ready, readyContinuation) = AsyncStream<Void>.makeStream()
        let service = TestAPIServer.Service(server: server) { _ in readyContinuation.yield() }
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ready.makeAsyncIterator()
            _ = await iterator.next()
            #expect(server.port > 0)
            #expect(Self.accepts(port: server.port))
            let api = APIClient(server)
            try await api.withWatch("/api/v1/namespaces?watch=true&timeoutSeconds=30") { frames in
                var frameIterator = frames.makeAsyncIterator()
                let first = await nextFrame(&frameIterator)
                #expect(first?["type"] == "ADDED")
                await group.triggerGracefulShutdown()
                let rest = await nextFrame(&frameIterator) { $0["type"] != "ADDED" }
                #expect(rest == nil, "the watch ends on shutdown")
            }
            try await tasks.waitForAll()
        }
        #expect(!Self.accepts(port: server.port), "nothing listens after shutdown")
    }

    @Test func kubeconfigAndManifestErrorsNameTheFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "c8s-manifests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let broken = directory.appendingPathComponent("broken.yaml")
        try "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [unclosed\n".write(
            to: broken, atomically: true, encoding: .utf8)
        #expect {
            _ = try TestAPIServer(configuration: .init(crdDirectory: directory.path))
        } throws: { error in
            "\(error)".contains("broken.yaml") && "\(error)".contains("line")
        }
        try await withTestAPIServer { server in
            let path = directory.appendingPathComponent("kubeconfig").path
            try server.writeKubeconfig(to: path)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let document = try #require(try YAMLDocuments.load(text).first)
            let cluster = document["clusters"]?.arrayValue?.first?[path: ["cluster", "server"]]
            #expect(cluster == .string("http://127.0.0.1:\(server.port)"))
            #expect(document["current-context"] == "c8s-sim")
        }
    }

    /// Whether a TCP connection to 127.0.0.1:port succeeds.
    static func accepts(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0
    }
}
