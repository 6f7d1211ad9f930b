import Foundation
import Logging
import Testing

@testable import C8SLogs

#if canImport(Glibc)
import Glibc
#endif

@Suite("Log tailer")
struct TailTests {
    let logger = Logger(label: "test")

    func configuration(buffer: Int = 256 * 1024, uring: Bool = true) -> LogTailer.Configuration {
        var c = LogTailer.Configuration()
        c.readBufferSize = buffer
        c.pollInterval = .milliseconds(50)
        c.useIOUring = uring
        return c
    }

    func text(_ i: Int) -> String {
        "line \(i) " + String(repeating: "abcdefghij", count: i % 13)
            + (i % 4999 == 0 ? String(repeating: "L", count: 40_000) : "")
    }

    /// (With io_uring, and with poll(2) and pread(2) as where a seccomp profile refuses io_uring.)
    @Test(arguments: [true, false]) func rotationWhileTheWriterRunsAtFullSpeed(uring: Bool) async throws {
        let temp = TailTempDirectory()
        defer { temp.remove() }
        let dir = temp.subdirectory("ns_pod_uid/step")
        // kubelet compresses a rotated file at the next rotation: at full speed, 2 MiB files leave the tailer
        // (a debug build on a loaded machine) enough time to open each file before it is compressed and removed.
        let writer = TailTestWriter(directory: dir, rotateBytes: 2 * 1024 * 1024, maxFiles: 4, gzip: true)
        let total = 300_000
        var received: [String] = []
        var batches = 0
        try await LogTailer.withLogTailer(configuration: configuration(uring: uring), logger: logger) { tailer in
            let follower = try tailer.follow(directory: dir, checkpointPath: temp.path + "/checkpoint")
            let done = TailThreadDone()
            let thread = Thread {
                for i in 0..<total {
                    writer.line(self.text(i), stream: i % 5 == 0 ? .stderr : .stdout)
                    if i % 64 == 63 { writer.flush() }
                }
                writer.close()
                follower.finish()
                done.signal()
            }
            thread.start()
            for try await batch in follower {
                received.append(contentsOf: batch.records.map(\.text))
                try follower.commit(batch.position)
                batches += 1
            }
            await done.wait()
        }
        #expect(writer.rotations > 10)
        #expect(received.count == total)
        #expect(tailDifference(received, writer.written) == nil)
        #expect(batches > 10)
    }

    /// (With io_uring, and with poll(2) and pread(2) as where a seccomp profile refuses io_uring.)
    @Test(arguments: [true, false])
    func resumesFromItsCheckpointAndFollowsARestartedContainer(uring: Bool) async throws {
        let temp = TailTempDirectory()
        defer { temp.remove() }
        let dir = temp.subdirectory("ns_pod_uid/step")
        let checkpoint = temp.path + "/checkpoint"
        let writer = TailTestWriter(directory: dir)
        for i in 0..<2000 { writer.line("first \(i)") }
        writer.flush()
        var firstRun: [String] = []
        try await LogTailer.withLogTailer(
            configuration: configuration(buffer: 4096, uring: uring), logger: logger
        ) { tailer in
            let follower = try tailer.follow(directory: dir, checkpointPath: checkpoint)
            var commits = 0
            for try await batch in follower {
                firstRun.append(contentsOf: batch.records.map(\.text))
                try follower.commit(batch.position)
                commits += 1
                if commits == 3 { break }
            }
        }
        #expect(firstRun.count > 10 && firstRun.count < 2000)
        // the container restarts: 0.log is complete, 1.log follows
        writer.restartContainer()
        for i in 0..<500 { writer.line("second \(i)", stream: .stderr) }
        writer.close()
        var secondRun: [String] = []
        try await LogTailer.withLogTailer(
            configuration: configuration(buffer: 4096, uring: uring), logger: logger
        ) { tailer in
            let follower = try tailer.follow(directory: dir, checkpointPath: checkpoint)
            #expect(follower.resumedFrom != nil)
            follower.finish()
            for try await batch in follower {
                secondRun.append(contentsOf: batch.records.map(\.text))
                try follower.commit(batch.position)
            }
        }
        #expect(tailDifference(firstRun + secondRun, writer.written) == nil)
    }

    /// (With io_uring, and with poll(2) and pread(2) as where a seccomp profile refuses io_uring.)
    @Test(arguments: [true, false]) func aDeletedFileIsReadToItsEnd(uring: Bool) async throws {
        let temp = TailTempDirectory()
        defer { temp.remove() }
        let dir = temp.subdirectory("ns_pod_uid/step")
        let writer = TailTestWriter(directory: dir)
        for i in 0..<100 { writer.line("before \(i)") }
        writer.flush()
        var received: [String] = []
        try await LogTailer.withLogTailer(
            configuration: configuration(buffer: 1024, uring: uring), logger: logger
        ) { tailer in
            let follower = try tailer.follow(directory: dir)
            var iterator = follower.makeAsyncIterator()
            let first = try #require(try await iterator.next())
            received.append(contentsOf: first.records.map(\.text))
            // The file is held open: unlink it, keep writing to it, then the container restarts.
            #expect(unlink(writer.livePath) == 0)
            for i in 0..<3000 { writer.line("after unlink \(i)") }
            writer.flush()
            writer.restartContainer()
            for i in 0..<10 { writer.line("restarted \(i)") }
            writer.close()
            follower.finish()
            while let batch = try await iterator.next() { received.append(contentsOf: batch.records.map(\.text)) }
        }
        #expect(tailDifference(received, writer.written) == nil)
    }

    @Test func anUnfinishedFileThatKubeletCompressesIsReadThroughItsOpenDescriptor() async throws {
        let temp = TailTempDirectory()
        defer { temp.remove() }
        let dir = temp.subdirectory("ns_pod_uid/step")
        let writer = TailTestWriter(directory: dir, gzip: true)
        for i in 0..<2000 { writer.line("first file \(i)") }
        writer.flush()
        var config = configuration(buffer: 1024)
        config.maxQueuedBatches = 1
        var received: [String] = []
        try await LogTailer.withLogTailer(configuration: config, logger: logger) { tailer in
            let follower = try tailer.follow(directory: dir)
            var iterator = follower.makeAsyncIterator()
            let first = try #require(try await iterator.next())
            received.append(contentsOf: first.records.map(\.text))
            // The consumer is slow: reading is paused. kubelet rotates twice and compresses the first rotation.
            writer.rotate()
            for i in 0..<10 { writer.line("second file \(i)") }
            writer.flush()
            writer.rotate()
            for i in 0..<10 { writer.line("third file \(i)") }
            writer.close()
            let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
            #expect(names == ["0.log", "0.log.20240101-000001.gz", "0.log.20240101-000002"])
            follower.finish()
            while let batch = try await iterator.next() { received.append(contentsOf: batch.records.map(\.text)) }
        }
        #expect(tailDifference(received, writer.written) == nil)
    }

    @Test func aCheckpointedFileCompressedWhileTheTailerWasDownIsResumedFromTheGzip() async throws {
        let temp = TailTempDirectory()
        defer { temp.remove() }
        let dir = temp.subdirectory("ns_pod_uid/step")
        let checkpoint = temp.path + "/checkpoint"
        let writer = TailTestWriter(directory: dir, gzip: true)
        for i in 0..<2000 { writer.line("first file \(i)") }
        writer.flush()
        var received: [String] = []
        try await LogTailer.withLogTailer(configuration: configuration(buffer: 2048), logger: logger) { tailer in
            let follower = try tailer.follow(directory: dir, checkpointPath: checkpoint)
            var commits = 0
            for try await batch in follower {
                received.append(contentsOf: batch.records.map(\.text))
                try follower.commit(batch.position)
                commits += 1
                if commits == 3 { break }
            }
        }
        // while the tailer is down: two rotations; the file it was reading is compressed and removed
        writer.rotate()
        for i in 0..<10 { writer.line("second file \(i)") }
        writer.flush()
        writer.rotate()
        for i in 0..<10 { writer.line("third file \(i)") }
        writer.close()
        #expect(!FileManager.default.fileExists(atPath: dir + "/0.log.20240101-000001"))
        try await LogTailer.withLogTailer(configuration: configuration(buffer: 2048), logger: logger) { tailer in
            let follower = try tailer.follow(directory: dir, checkpointPath: checkpoint)
            follower.finish()
            for try await batch in follower {
                received.append(contentsOf: batch.records.map(\.text))
                try follower.commit(batch.position)
            }
        }
        #expect(tailDifference(received, writer.written) == nil)
    }

    @Test func aTailerStartedLateReadsCompressedRotationsFirst() async throws {
        let temp = TailTempDirectory()
        defer { temp.remove() }
        let dir = temp.subdirectory("ns_pod_uid/step")
        let writer = TailTestWriter(directory: dir, gzip: true)
        for round in 0..<4 {
            for i in 0..<300 { writer.line("round \(round) line \(i)") }
            writer.flush()
            writer.rotate()
        }
        for i in 0..<10 { writer.line("live \(i)") }
        writer.close()
        let names = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(names.filter { $0.hasSuffix(".gz") }.count == 3)
        var received: [String] = []
        try await LogTailer.withLogTailer(configuration: configuration(buffer: 4096), logger: logger) { tailer in
            let follower = try tailer.follow(directory: dir, checkpointPath: temp.path + "/checkpoint")
            follower.finish()
            for try await batch in follower {
                received.append(contentsOf: batch.records.map(\.text))
                try follower.commit(batch.position)
            }
        }
        #expect(tailDifference(received, writer.written) == nil)
    }

    @Test func stoppingTheTailerEndsUnfinishedFollowers() async throws {
        let temp = TailTempDirectory()
        defer { temp.remove() }
        let dir = temp.subdirectory("ns_pod_uid/step")
        let writer = TailTestWriter(directory: dir)
        writer.line("only")
        writer.close()
        let follower = try await LogTailer.withLogTailer(configuration: configuration(), logger: logger) { tailer in
            let follower = try tailer.follow(directory: dir)
            let batch = try await follower.next()
            #expect(batch?.records.map(\.text) == ["only"])
            return follower
        }
        await #expect(throws: LogTailerError.self) { try await follower.next() }
    }

    /// (With io_uring, and with poll(2) and pread(2) as where a seccomp profile refuses io_uring.)
    @Test(arguments: [true, false]) func stopEndsAFollowerWithoutReadingFurther(uring: Bool) async throws {
        let temp = TailTempDirectory()
        defer { temp.remove() }
        let dir = temp.subdirectory("ns_pod_uid/step")
        let writer = TailTestWriter(directory: dir)
        writer.line("one")
        writer.flush()
        try await LogTailer.withLogTailer(configuration: configuration(uring: uring), logger: logger) { tailer in
            let follower = try tailer.follow(directory: dir)
            let first = try await follower.next()
            #expect(first?.records.map(\.text) == ["one"])
            follower.stop()
            var rest = 0
            for try await batch in follower { rest += batch.records.count }
            #expect(rest == 0)
        }
        writer.close()
    }

    @Test func followingAMissingDirectoryFailsClearly() async throws {
        try await LogTailer.withLogTailer(logger: logger) { tailer in
            #expect {
                _ = try tailer.follow(directory: "/nonexistent/c8s/dir")
            } throws: { error in
                "\(error)".contains("/nonexistent/c8s/dir")
            }
        }
    }

    @Test func aLiveFileWithTheCheckpointedInodeAfterANewerRotationIsAnotherFile() throws {
        let cursor = TailPosition.Cursor(
            file: LogFileIdentity(device: 1, inode: 2), name: "0.log",
            resume: CRIParser.ResumePoint(offset: 10, lineNumber: 1), lastDeliveredLine: 1,
            latestRotation: "20240101-000001")
        let live = try #require(TailFileName("0.log"))
        let next = try #require(TailFileName("0.log.20240101-000002"))
        // still live: no rotation since the checkpoint
        #expect(TailLoop.canBeRenamed(from: cursor, to: live, newestRotation: "20240101-000001"))
        // rotated once: the file is now 0.log.<next>, so a 0.log with its inode reuses it
        #expect(TailLoop.canBeRenamed(from: cursor, to: next, newestRotation: "20240101-000002"))
        #expect(!TailLoop.canBeRenamed(from: cursor, to: live, newestRotation: "20240101-000002"))
        #expect(
            !TailLoop.canBeRenamed(
                from: cursor, to: try #require(TailFileName("0.log.20240101-000001")),
                newestRotation: "20240101-000002"))
    }

    @Test func aQuietDirectoryListsStably() throws {
        let temp = TailTempDirectory()
        defer { temp.remove() }
        let dir = temp.subdirectory("ns_pod_uid/step")
        for name in ["0.log", "0.log.20240101-000001", "0.log.20240101-000000.gz", "notes.txt"] {
            FileManager.default.createFile(atPath: dir + "/" + name, contents: Data("x\n".utf8))
        }
        let listing = try #require(TailDirectoryListing.stable(directory: dir))
        #expect(!listing.raced)
        #expect(Set(listing.files.map(\.name)) == ["0.log", "0.log.20240101-000001"])
        #expect(listing.compressed == ["0.log.20240101-000000.gz"])
        #expect(Set(listing.rotations.map(\.rotation)) == ["20240101-000000", "20240101-000001"])
        #expect(TailDirectoryListing.stable(directory: dir + "/missing") == nil)
    }
}
