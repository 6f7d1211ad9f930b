import CURing

#if canImport(Glibc)
import Glibc
#endif

/// Where the tail loop's reads are submitted and completed: an io_uring, or, where the kernel or a seccomp profile
/// refuses io_uring (containerd 2's and Docker 25's `RuntimeDefault`, podman's default profile), `poll(2)` on the
/// event and inotify descriptors and plain `read(2)`/`pread(2)` calls. Both give the loop the same completions:
/// the 64-bit user data of a read and its result (bytes read, or `-errno`).
///
/// Reads on regular files never block, so the poll backend performs them at once; a read on a pollable
/// descriptor (`pollable`) waits until `poll` reports it readable.
final class TailRing {
    /// Which backend a ring uses.
    enum Backend: String, Sendable {
        case uring = "io_uring"
        case poll
    }

    struct Completion {
        var data: UInt64
        var result: Int32
    }

    private struct PendingRead {
        var fd: Int32
        var buffer: UnsafeMutableRawPointer
        var count: Int
        var offset: Int64
        var pollable: Bool
        var data: UInt64
    }

    let backend: Backend
    private let ring: UnsafeMutablePointer<io_uring>?
    private var pending: [PendingRead] = []

    /// An io_uring of `entries` submission entries; a poll ring when `forcePoll` or when `io_uring_queue_init`
    /// fails with `ENOSYS`, `EPERM` or `EACCES` (io_uring disabled or filtered). Other failures are thrown.
    init(entries: UInt32, forcePoll: Bool) throws(SystemCallError) {
        guard !forcePoll else {
            backend = .poll
            ring = nil
            return
        }
        let ring = UnsafeMutablePointer<io_uring>.allocate(capacity: 1)
        ring.initialize(to: io_uring())
        do {
            try uringCall("io_uring_queue_init") { io_uring_queue_init(entries, ring, 0) }
            backend = .uring
            self.ring = ring
        } catch let error where [ENOSYS, EPERM, EACCES].contains(error.errno) {
            ring.deallocate()
            backend = .poll
            self.ring = nil
        } catch {
            ring.deallocate()
            throw error
        }
    }

    /// Queues a read of up to `count` bytes into `buffer` at `offset` (ignored for pollable descriptors).
    func prepareRead(
        fd: Int32, buffer: UnsafeMutableRawPointer?, count: Int, offset: Int64, pollable: Bool, data: UInt64
    ) throws(SystemCallError) {
        guard let buffer else { throw SystemCallError(call: "read", subject: "no buffer", errno: EINVAL) }
        guard let ring else {
            pending.append(
                PendingRead(
                    fd: fd, buffer: buffer, count: count, offset: offset, pollable: pollable, data: data))
            return
        }
        var sqe = c8s_uring_get_sqe(ring)
        if sqe == nil {
            try uringCall("io_uring_submit") { io_uring_submit(ring) }
            sqe = c8s_uring_get_sqe(ring)
        }
        guard let sqe else { throw SystemCallError(call: "io_uring_get_sqe", errno: EBUSY) }
        c8s_uring_prep_read(sqe, fd, buffer, UInt32(count), UInt64(bitPattern: pollable ? 0 : offset))
        c8s_uring_sqe_set_data64(sqe, data)
    }

    /// Submits what was prepared and returns the completions that are ready, waiting up to `timeoutNanos` for the
    /// first one.
    func submitAndWait(timeoutNanos: UInt64) throws(SystemCallError) -> [Completion] {
        guard let ring else { return try pollAndRead(timeoutNanos: timeoutNanos) }
        try uringCall("io_uring_submit") { io_uring_submit(ring) }
        var cqe: UnsafeMutablePointer<io_uring_cqe>?
        var timeout = __kernel_timespec(
            tv_sec: Int64(timeoutNanos / 1_000_000_000), tv_nsec: Int64(timeoutNanos % 1_000_000_000))
        let waited = io_uring_wait_cqe_timeout(ring, &cqe, &timeout)
        if waited < 0 && waited != -ETIME && waited != -EINTR {
            throw SystemCallError(call: "io_uring_wait_cqe_timeout", errno: -waited)
        }
        var completions: [Completion] = []
        while c8s_uring_peek_cqe(ring, &cqe) == 0, let completion = cqe {
            completions.append(Completion(data: c8s_uring_cqe_get_data64(completion), result: completion.pointee.res))
            c8s_uring_cqe_seen(ring, completion)
        }
        return completions
    }

    /// Ends the ring: io_uring cancels and waits for in-flight reads (only then may their buffers be freed); the
    /// poll backend has none in flight.
    func close() {
        pending.removeAll()
        if let ring {
            io_uring_queue_exit(ring)
            ring.deallocate()
        }
    }

    private func pollAndRead(timeoutNanos: UInt64) throws(SystemCallError) -> [Completion] {
        let files = pending.indices.filter { !pending[$0].pollable }
        var descriptors = pending.filter(\.pollable).map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        // With a file read waiting, only look whether an event or inotify read is ready too.
        let timeoutMillis = files.isEmpty ? Int32(min(timeoutNanos / 1_000_000, UInt64(Int32.max))) : 0
        let ready = poll(&descriptors, nfds_t(descriptors.count), timeoutMillis)
        if ready < 0 && errno != EINTR { throw SystemCallError(call: "poll", errno: errno) }
        var completions: [Completion] = []
        var done: Set<Int> = []
        for index in pending.indices {
            let read = pending[index]
            if read.pollable {
                guard ready > 0,
                    let polled = descriptors.first(where: { $0.fd == read.fd }),
                    polled.revents & Int16(POLLIN | POLLERR | POLLHUP) != 0
                else { continue }
            }
            var result: Int
            repeat {
                result =
                    read.pollable
                    ? Glibc.read(read.fd, read.buffer, read.count)
                    : pread(read.fd, read.buffer, read.count, off_t(read.offset))
            } while result < 0 && errno == EINTR
            completions.append(Completion(data: read.data, result: result < 0 ? -errno : Int32(result)))
            done.insert(index)
        }
        pending = pending.indices.filter { !done.contains($0) }.map { pending[$0] }
        return completions
    }
}
