import Foundation
import Testing

@testable import C8SLogs

#if canImport(Glibc)
import Glibc
#endif

/// A one-thread HTTP/1.1 server on 127.0.0.1 that answers requests with scripted statuses and records them.
final class ScriptedHTTPServer: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private let lock = NSLock()
    private var script: [(Int, String)]
    private var seen: [String] = []

    /// `script`: status and body per request, in order; once used up, every request gets 200.
    init(script: [(Int, String)]) throws {
        self.script = script
        let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(sock, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        listen(sock, 16)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(sock, $0, &length) }
        }
        fd = sock
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    var requests: [String] { lock.withLock { seen } }

    func close() {
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
    }

    private func serve() {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 { return }
            var data = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 65536)
            // Read the head, then the body by Content-Length.
            while true {
                let n = read(client, &buffer, buffer.count)
                if n <= 0 { break }
                data += buffer[0..<n]
                let text = String(decoding: data, as: UTF8.self)
                if let headEnd = text.range(of: "\r\n\r\n") {
                    let head = text[..<headEnd.lowerBound].lowercased()
                    let length =
                        head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                        .flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
                    if text.utf8.distance(from: text.utf8.startIndex, to: headEnd.upperBound) + length <= data.count {
                        break
                    }
                }
            }
            let requestLine = String(decoding: data.prefix { $0 != 13 }, as: UTF8.self)
            let (status, body) = lock.withLock { () -> (Int, String) in
                seen.append(requestLine)
                return script.isEmpty ? (200, "") : script.removeFirst()
            }
            let response =
                "HTTP/1.1 \(status) X\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            _ = response.withCString { write(client, $0, strlen($0)) }
            Glibc.close(client)
        }
    }
}

@Suite struct S3RetryTests {
    func store(_ server: ScriptedHTTPServer, attempts: Int = 4) throws -> S3LogStore {
        try S3LogStore(
            configuration: S3Configuration(
                endpoint: "http://127.0.0.1:\(server.port)", bucket: "b", prefix: "p",
                credentials: .fixed(S3Credentials(accessKeyID: "AK", secretAccessKey: "SK")), maxAttempts: attempts,
                initialBackoffMillis: 5, maxBackoffMillis: 20))
    }

    @Test func serverErrorsAreRetriedThenSucceed() async throws {
        let server = try ScriptedHTTPServer(script: [
            (503, "<Error><Code>SlowDown</Code></Error>"), (500, ""), (200, ""),
        ])
        defer { server.close() }
        #expect(try await store(server).put("a/b", [1, 2, 3]) == .stored)
        #expect(server.requests == Array(repeating: "PUT /b/p/a/b HTTP/1.1", count: 3))
    }

    @Test func clientErrorsAreNotRetried() async throws {
        let body = "<Error><Code>AccessDenied</Code><Message>Access Denied.</Message></Error>"
        let server = try ScriptedHTTPServer(script: [(403, body), (200, "")])
        defer { server.close() }
        let error = try #require(await #expect(throws: LogStoreError.self) { try await store(server).put("a/b", [1]) })
        #expect(server.requests.count == 1)
        #expect(error.description == "PUT a/b: HTTP 403: AccessDenied: Access Denied.")
    }

    @Test func retriesStopAfterTheLastAttempt() async throws {
        let server = try ScriptedHTTPServer(script: Array(repeating: (502, ""), count: 10))
        defer { server.close() }
        let error = try #require(
            await #expect(throws: LogStoreError.self) {
                try await store(server, attempts: 3).get("x", range: 0..<10)
            })
        #expect(server.requests == Array(repeating: "GET /b/p/x HTTP/1.1", count: 3))
        #expect(error.status == 502 && error.isRetryable)
    }
}
