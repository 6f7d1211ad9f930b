import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The io_uring (or poll, see ``TailRing``) + inotify loop: one thread for every followed directory.
final class TailLoop: @unchecked Sendable {
    enum Kind: UInt64 {
        case event = 1
        case inotify = 2
        case read = 3
    }

    let tailer: LogTailer
    let ring: TailRing
    let inotifyBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 8)
    let eventBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 8)
    var followers: [Int: TailFollowerState] = [:]
    var watches: [Int32: Int] = [:]
    var stopping = false
    var lastTick: UInt64 = 0
    var logger: Logger { tailer.logger }
    let decompressor: TailDecompressor

    init(tailer: LogTailer) throws {
        self.tailer = tailer
        decompressor = TailDecompressor(
            maximumSize: tailer.configuration.maximumDecompressedSize, logger: tailer.logger,
            deliver: { [tailer] id, files in tailer.send(.decompressed(id, files)) })
        ring = try TailRing(entries: tailer.configuration.ringEntries, forcePoll: !tailer.configuration.useIOUring)
        if ring.backend == .poll && tailer.configuration.useIOUring {
            tailer.logger.notice(
                """
                io_uring is not available (a seccomp profile such as the container runtime's default refuses it); \
                reading log files with poll(2) and pread(2)
                """)
        }
    }

    func run() {
        decompressor.start()
        do {
            try loop()
        } catch {
            logger.error("log tailer loop failed", metadata: ["error.message": "\(error)"])
            for f in followers.values where !f.ended { f.handle.end(error: error) }
        }
        decompressor.stop()
        for command in tailer.takeCommands() {
            switch command {
            case .decompressed(_, let files):
                for case let output? in files.values { close(output.fd) }
            case .add(let handle, _):
                handle.end(error: LogTailerError.stopped)
            case .finish, .cancel, .resume, .stop:
                break
            }
        }
        // Closing the ring cancels and waits for in-flight reads; only then are buffers freed.
        ring.close()
        for f in followers.values where !f.ended { f.handle.end(error: LogTailerError.stopped) }
        followers.removeAll()
        inotifyBuffer.deallocate()
        eventBuffer.deallocate()
    }

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    func loop() throws {
        try armEvent()
        try armInotify()
        let interval = tailer.configuration.pollInterval.components
        let intervalNanos = UInt64(interval.seconds) * 1_000_000_000 + UInt64(interval.attoseconds / 1_000_000_000)
        lastTick = Self.now()
        while !stopping {
            for completion in try ring.submitAndWait(timeoutNanos: intervalNanos) {
                try handle(data: completion.data, result: completion.result)
            }
            let now = Self.now()
            if now &- lastTick >= intervalNanos {
                lastTick = now
                for f in followers.values {
                    f.needsRescan = true
                    f.wantRead = true
                }
            }
            try schedule()
        }
    }

    // MARK: completions

    func handle(data: UInt64, result: Int32) throws {
        switch Kind(rawValue: data >> 56) {
        case .event:
            for command in tailer.takeCommands() { apply(command) }
            try armEvent()
        case .inotify:
            if result > 0 {
                inotifyEvents(UnsafeRawBufferPointer(rebasing: inotifyBuffer[0..<Int(result)]))
            } else if result < 0 && result != -EINTR && result != -EAGAIN {
                throw SystemCallError(call: "read", subject: "inotify", errno: -result)
            }
            try armInotify()
        case .read:
            let id = Int(data & 0x00FF_FFFF_FFFF_FFFF)
            guard let f = followers[id] else { return }
            f.readInFlight = false
            if !f.ended { readCompleted(f, result: result) }
            if f.ended { remove(id) }
        case nil:
            break
        }
    }

    func apply(_ command: TailCommand) {
        switch command {
        case .add(let handle, let watch):
            let state = TailFollowerState(
                handle: handle, watch: watch, bufferSize: tailer.configuration.readBufferSize)
            followers[handle.id] = state
            watches[watch] = handle.id
        case .finish(let id):
            guard let f = followers[id] else { return }
            f.finishRequested = true
            f.needsRescan = true
            f.wantRead = true
        case .resume(let id):
            guard let f = followers[id] else { return }
            f.paused = false
            f.wantRead = true
        case .cancel(let id):
            guard let f = followers[id] else { return }
            f.ended = true
            f.handle.end(error: nil)
            if !f.readInFlight { remove(id) }
        case .decompressed(let id, let files):
            guard let f = followers[id], !f.ended else {
                for case let output? in files.values { close(output.fd) }
                return
            }
            f.decompressed.merge(files) { old, new in
                if let old { close(old.fd) }
                return new
            }
            f.decompressing = false
            f.needsRescan = true
            f.wantRead = true
        case .stop:
            stopping = true
        }
    }

    func inotifyEvents(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        let header = MemoryLayout<inotify_event>.size
        while offset + header <= bytes.count {
            let wd = bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)
            let mask = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            let length = bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)
            offset += header + Int(length)
            if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                for f in followers.values {
                    f.needsRescan = true
                    f.wantRead = true
                }
                continue
            }
            guard let id = watches[wd], let f = followers[id] else { continue }
            f.wantRead = true
            if mask & UInt32(IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE) != 0 { f.needsRescan = true }
        }
    }

    func readCompleted(_ f: TailFollowerState, result: Int32) {
        guard let file = f.files.first else { return }
        if result < 0 {
            if result == -EINTR || result == -EAGAIN {
                f.wantRead = true
                return
            }
            fail(f, SystemCallError(call: "read", subject: "\(f.handle.directory)/\(file.name)", errno: -result))
            return
        }
        if result > 0 {
            let bytes = UnsafeRawBufferPointer(rebasing: f.buffer[0..<Int(result)])
            file.readOffset += Int64(result)
            var records: [LogRecord] = []
            var malformed = 0
            var lastLine = file.lastDeliveredLine
            file.parser.feed(bytes) { entry in
                records.append(entry.record)
                if entry.isMalformed { malformed += 1 }
                lastLine = entry.lineNumber
            }
            file.lastDeliveredLine = lastLine
            if !records.isEmpty { deliver(f, records, malformed: malformed, isLast: false) }
            f.wantRead = true
            return
        }
        // end of file
        if f.issuedWithSuccessor || f.issuedWithFinish {
            var records: [LogRecord] = []
            var malformed = 0
            file.parser.finish { entry in
                records.append(entry.record)
                if entry.isMalformed { malformed += 1 }
            }
            f.files.removeFirst()
            f.finished.append(TailPosition.Finished(file: file.identity, size: file.readOffset))
            f.finishedFDs[file.identity] = file.fd
            let last = f.files.isEmpty && f.issuedWithFinish
            deliver(f, records, malformed: malformed, isLast: last)
            if last {
                f.ended = true
                f.handle.end(error: nil)
            } else {
                f.wantRead = true
            }
        }
    }

    func deliver(_ f: TailFollowerState, _ records: [LogRecord], malformed: Int, isLast: Bool) {
        let batch = LogBatch(records: records, position: f.nextPosition(), malformedLines: malformed, isLast: isLast)
        if f.handle.deliver(batch) { f.paused = true }
    }

    func fail(_ f: TailFollowerState, _ error: any Error) {
        logger.error(
            "log follower failed", metadata: ["log.directory": "\(f.handle.directory)", "error.message": "\(error)"])
        f.ended = true
        f.handle.end(error: error)
    }

    func remove(_ id: Int) {
        guard let f = followers.removeValue(forKey: id) else { return }
        watches[f.watch] = nil
        inotify_rm_watch(tailer.inotifyFD, f.watch)
    }

    // MARK: submissions

    func schedule() throws {
        for (id, f) in followers where !f.ended {
            // While the first listing's compressed files are decompressed, the follower waits.
            if f.decompressing { continue }
            if f.needsRescan {
                f.needsRescan = false
                rescan(f)
                if f.decompressing { continue }
            }
            if f.finishRequested && f.files.isEmpty && !f.readInFlight {
                deliver(f, [], malformed: 0, isLast: true)
                f.ended = true
                f.handle.end(error: nil)
                remove(id)
                continue
            }
            guard f.wantRead, !f.readInFlight, !f.paused, let file = f.files.first else { continue }
            f.wantRead = false
            f.readInFlight = true
            f.issuedWithSuccessor = f.files.count > 1
            f.issuedWithFinish = f.finishRequested
            try ring.prepareRead(
                fd: file.fd, buffer: f.buffer.baseAddress, count: f.buffer.count, offset: Int64(file.readOffset),
                pollable: false, data: Kind.read.rawValue << 56 | UInt64(id))
        }
    }

    func armEvent() throws {
        try ring.prepareRead(
            fd: tailer.eventFD, buffer: eventBuffer.baseAddress, count: 8, offset: 0, pollable: true,
            data: Kind.event.rawValue << 56)
    }

    func armInotify() throws {
        try ring.prepareRead(
            fd: tailer.inotifyFD, buffer: inotifyBuffer.baseAddress, count: inotifyBuffer.count, offset: 0,
            pollable: true, data: Kind.inotify.rawValue << 56)
    }

    // MARK: directory

    /// Lists the directory: renames update known files; new log files are opened at once and queued in order.
    ///
    /// While a checkpointed position is still to be resumed, only a listing that did not race with a rotation is
    /// used: a listing that missed the checkpointed file under its new name would otherwise drop the checkpoint,
    /// and the file, found again later, would be read from its start (delivering committed records twice).
    func rescan(_ f: TailFollowerState) {
        let directory = f.handle.directory
        let cursorAtStart = f.pendingCursor
        // removed: the held files are still read
        guard let listing = TailDirectoryListing.stable(directory: directory) else { return }
        var raced = listing.raced
        if raced && f.pendingCursor != nil {
            f.needsRescan = true
            return
        }
        for rotated in listing.rotations
        where !raced && rotated.rotation > f.latestRotation[rotated.restart, default: ""] {
            f.latestRotation[rotated.restart] = rotated.rotation
        }
        let compressed = listing.compressed
        let found = listing.files.map { ($0.order, $0.name, $0.identity, $0.size) }
        let present = Set(listing.files.map(\.identity))
        var known = [LogFileIdentity: TailFile]()
        for file in f.files { known[file.identity] = file }
        // Forget finished files that left the directory (closing their descriptors frees the inodes).
        if raced {
            f.needsRescan = true
        } else {
            f.finished.removeAll { !present.contains($0.file) }
            for (identity, fd) in f.finishedFDs where !present.contains(identity) {
                close(fd)
                f.finishedFDs[identity] = nil
            }
        }
        var finishedSize = [LogFileIdentity: Int64]()
        for entry in f.finished { finishedSize[entry.file] = entry.size }
        var added: [(TailFileName, TailFile)] = []
        for (order, name, identity, size) in found {
            if let file = known[identity] {
                file.name = name
                continue
            }
            if let doneSize = finishedSize[identity] {
                // held open (so the same file), or from a checkpoint and still the same size
                if f.finishedFDs[identity] != nil { continue }
                if doneSize == size {
                    // from the checkpoint: hold it too, so its inode stays unique while it is listed
                    let path = directory + "/" + name
                    if let fd = try? systemCall("open", path, { open(path, O_RDONLY | O_CLOEXEC) }) {
                        f.finishedFDs[identity] = fd
                    }
                    continue
                }
                f.finished.removeAll { $0.file == identity }
                finishedSize[identity] = nil
            }
            // Gone or another file by now: the directory changed since it was listed.
            let path = directory + "/" + name
            guard let fd = try? systemCall("open", path, { open(path, O_RDONLY | O_CLOEXEC) }) else {
                raced = true
                continue
            }
            var info = stat()
            guard (try? systemCall("fstat", path, { fstat(fd, &info) })) != nil else {
                close(fd)
                raced = true
                continue
            }
            let actual = LogFileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
            if actual != identity {
                raced = true
                if known[actual] != nil || finishedSize[actual] != nil {
                    close(fd)
                    continue
                }
            }
            var cursor: TailPosition.Cursor?
            if let pending = f.pendingCursor, pending.file == actual, Int64(info.st_size) >= pending.resume.offset,
                Self.canBeRenamed(from: pending, to: order, newestRotation: f.latestRotation[order.restart])
            {
                cursor = pending
                f.pendingCursor = nil
            }
            added.append((order, TailFile(fd: fd, identity: actual, name: name, position: cursor)))
        }
        if raced {
            f.needsRescan = true
            if f.pendingCursor != nil {
                // The checkpointed file may be the one that moved: decide on a later listing.
                for (_, file) in added { close(file.fd) }
                return
            }
        }
        if f.firstScan {
            let uncompressed = Set(found.map(\.1))
            let orphans = compressed.filter { !uncompressed.contains(String($0.dropLast(3))) }
            guard let decompressed = compressedFiles(f, orphans: orphans, directory: directory) else {
                // Listed again once the decompressor answers, from the same checkpoint.
                for (_, file) in added { close(file.fd) }
                f.pendingCursor = cursorAtStart
                return
            }
            added.append(contentsOf: decompressed)
        }
        if let pending = f.pendingCursor {
            f.pendingCursor = nil
            logger.warning(
                "checkpointed log file is gone; reading the other files from their start",
                metadata: ["log.directory": "\(directory)", "log.file": "\(pending.name)"])
        }
        f.firstScan = false
        guard !added.isEmpty else { return }
        f.files.append(contentsOf: added.map(\.1))
        // Keep files not started yet in name order: a listing that raced with a rotation may have missed the
        // renamed file and found its successor first. Started files keep their place.
        var firstUnstarted = 0
        while firstUnstarted < f.files.count,
            f.files[firstUnstarted].hasStarted
                || (firstUnstarted == 0 && f.readInFlight)
        {
            firstUnstarted += 1
        }
        if firstUnstarted < f.files.count {
            f.files[firstUnstarted...].sort { a, b in
                guard let x = TailFileName(a.name), let y = TailFileName(b.name) else { return false }
                return x < y
            }
        }
        f.wantRead = true
    }

    /// Whether the checkpointed file can now have the name `order`: names only change by rotation (`<n>.log` to a
    /// newer `<n>.log.<rotation>`). Rejects a different file that reuses the inode of a checkpointed one.
    ///
    /// A live file keeps its name only while no rotation newer than the cursor's `latestRotation` exists
    /// (`newestRotation`, from the listing): the first such rotation is that file renamed, so a live file with the
    /// same inode is a new file that reuses it.
    static func canBeRenamed(
        from cursor: TailPosition.Cursor, to order: TailFileName, newestRotation: String?
    ) -> Bool {
        guard let old = TailFileName(cursor.name) else { return false }
        if old == order { return !old.isLive || (newestRotation ?? "") <= (cursor.latestRotation ?? "") }
        return old.isLive && !order.isLive && old.restart == order.restart
            && order.rotation > (cursor.latestRotation ?? "")
    }

    /// Compressed rotated files whose original is gone, to read at the first listing (decompressed into unlinked
    /// temporary files): all of them when there is no checkpoint (the tailer started late); after a restart, the
    /// checkpointed file if kubelet compressed it meanwhile (`<rotated name>.gz`, or for a live `<n>.log` the first
    /// rotation after the newest one known at the checkpoint), resumed, and every later one from its start.
    ///
    /// Returns nil after asking the decompressor for the files not decompressed yet (the follower waits for its
    /// answer, ``TailCommand/decompressed(_:_:)``, and lists again).
    func compressedFiles(_ f: TailFollowerState, orphans: [String], directory: String) -> [(TailFileName, TailFile)]? {
        let selected = Self.compressedSelection(
            orphans: orphans, hasCheckpoint: f.handle.initialPosition != nil, cursor: f.pendingCursor)
        let missing = selected.files.map(\.name).filter { f.decompressed.index(forKey: $0) == nil }
        if !missing.isEmpty {
            f.decompressing = true
            decompressor.submit(.init(follower: f.handle.id, directory: directory, names: missing))
            return nil
        }
        defer {
            for case let output? in f.decompressed.values { close(output.fd) }
            f.decompressed = [:]
        }
        var result: [(TailFileName, TailFile)] = []
        for (index, (name, order, cursor)) in selected.files.enumerated() {
            let output = f.decompressed.removeValue(forKey: name) ?? nil
            guard let output, output.size >= cursor?.resume.offset ?? 0 else {
                if let output { close(output.fd) }
                if index == 0 && selected.resumes {
                    logger.warning("cannot resume a compressed log file", metadata: ["log.file": "\(name)"])
                    for (_, file) in result { close(file.fd) }
                    return []
                }
                continue
            }
            if index == 0 && selected.resumes {
                f.pendingCursor = nil
                logger.info(
                    "resuming a log file that was compressed while the tailer was down",
                    metadata: ["log.directory": "\(directory)", "log.file": "\(name)"])
            }
            // Named like the rotated file without `.gz`, so a later checkpoint leads back to the compressed file.
            let file = TailFile(
                fd: output.fd, identity: output.identity, name: String(name.dropLast(3)), position: cursor)
            result.append((order, file))
        }
        return result
    }

    /// Which compressed files ``compressedFiles(_:orphans:directory:)`` reads, in order, each with the cursor to
    /// resume it from; `resumes` when the first is the checkpointed file (without it, nothing else is read).
    static func compressedSelection(
        orphans: [String], hasCheckpoint: Bool, cursor: TailPosition.Cursor?
    ) -> (files: [(name: String, order: TailFileName, cursor: TailPosition.Cursor?)], resumes: Bool) {
        var candidates = orphans.compactMap { name in TailFileName(String(name.dropLast(3))).map { (name, $0) } }
        candidates.sort { $0.1 < $1.1 }
        guard hasCheckpoint else { return (candidates.map { ($0.0, $0.1, nil) }, false) }
        guard let cursor, let cursorOrder = TailFileName(cursor.name) else { return ([], false) }
        let own: (String, TailFileName)?
        if !cursorOrder.isLive {
            own = candidates.first { $0.0 == cursor.name + ".gz" }
        } else {
            let after = cursor.latestRotation ?? ""
            own = candidates.first { $0.1.restart == cursorOrder.restart && $0.1.rotation > after }
        }
        guard let own else { return ([], false) }
        let later = candidates.filter { own.1 < $0.1 }
            .map { (name: $0.0, order: $0.1, cursor: TailPosition.Cursor?.none) }
        return ([(own.0, own.1, cursor)] + later, true)
    }
}
