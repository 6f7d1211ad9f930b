#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bounded on-disk FIFO of puts that could not reach S3, kept in order until they can be uploaded.
///
/// Each entry is one file `<20-digit sequence>.put` holding a 4-byte big-endian key length, the key and the data,
/// written atomically (temporary file + rename). Entries left by a previous process are picked up in order.
actor S3Spool {
    struct Entry: Sendable {
        var sequence: UInt64
        var key: String
        var size: Int
    }

    let directory: String
    let maxBytes: Int
    private var entries: [Entry] = []
    private var head = 0
    private var bytes = 0
    private var nextSequence: UInt64 = 0
    private var emptyWaiters: [CheckedContinuation<Void, Never>] = []
    private let signal: AsyncStream<Void>.Continuation
    private let files: DirectoryLogStore

    init(directory: String, maxBytes: Int, signal: AsyncStream<Void>.Continuation) {
        self.signal = signal
        self.directory = directory
        self.maxBytes = maxBytes
        self.files = DirectoryLogStore(root: directory)
        // Recover entries a previous process spooled.
        var recovered: [Entry] = []
        if let dir = opendir(directory) {
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                guard name.hasSuffix(".put"), let sequence = UInt64(name.dropLast(4)) else { continue }
                guard let raw = readStoreFileBytes(directory + "/" + name) else { continue }
                guard raw.count >= 4 else { continue }
                let keyLength = Int(raw[0]) << 24 | Int(raw[1]) << 16 | Int(raw[2]) << 8 | Int(raw[3])
                guard raw.count >= 4 + keyLength else { continue }
                let key = String(decoding: raw[4..<(4 + keyLength)], as: UTF8.self)
                recovered.append(Entry(sequence: sequence, key: key, size: raw.count))
            }
        }
        recovered.sort { $0.sequence < $1.sequence }
        entries = recovered
        bytes = recovered.reduce(0) { $0 + $1.size }
        nextSequence = (recovered.last?.sequence ?? 0) + 1
    }

    private var draining = false

    var isEmpty: Bool { head == entries.count }

    /// Claims the right to drain; false when another drain is running (only one may, to keep the order).
    func beginDrain() -> Bool {
        if draining { return false }
        draining = true
        return true
    }

    func endDrain() { draining = false }
    var count: Int { entries.count - head }
    var byteCount: Int { bytes }

    private func fileName(_ sequence: UInt64) -> String {
        let digits = String(sequence)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".put"
    }

    /// Appends a put. Throws a spool-full error naming the request when the bound would be exceeded.
    func append(key: String, data: [UInt8]) async throws {
        let keyBytes = Array(key.utf8)
        let size = 4 + keyBytes.count + data.count
        guard bytes + size <= maxBytes else {
            throw LogStoreError(
                .spoolFull, request: "PUT \(key)",
                message: "S3 is unreachable and the spool \(directory) is full (\(bytes) of \(maxBytes) bytes used, "
                    + "\(count) puts waiting); raise spoolMaxBytes or restore S3")
        }
        var record = [UInt8]()
        record.reserveCapacity(size)
        let n = UInt32(keyBytes.count)
        record.append(contentsOf: [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)])
        record.append(contentsOf: keyBytes)
        record.append(contentsOf: data)
        let sequence = nextSequence
        nextSequence += 1
        try await files.put(fileName(sequence), record)
        entries.append(Entry(sequence: sequence, key: key, size: size))
        bytes += size
        signal.yield()
    }

    /// The oldest entry and its data.
    func first() async throws -> (entry: Entry, data: [UInt8])? {
        guard head < entries.count else { return nil }
        let entry = entries[head]
        guard let raw = try await files.get(fileName(entry.sequence), range: nil) else {
            throw LogStoreError(
                .corrupt, request: "PUT \(entry.key)", message: "spooled put \(fileName(entry.sequence)) vanished")
        }
        let keyLength = entry.key.utf8.count
        return (entry, Array(raw[(4 + keyLength)...]))
    }

    /// The data of the newest spooled put of `key` (read-your-writes while S3 is away).
    func latest(key: String) async throws -> [UInt8]? {
        guard let entry = entries[head...].last(where: { $0.key == key }) else { return nil }
        guard let raw = try await files.get(fileName(entry.sequence), range: nil) else { return nil }
        return Array(raw[(4 + entry.key.utf8.count)...])
    }

    /// Removes the oldest entry after it was uploaded.
    func removeFirst(_ sequence: UInt64) async throws {
        guard head < entries.count, entries[head].sequence == sequence else { return }
        try await files.delete(fileName(sequence))
        bytes -= entries[head].size
        head += 1
        if head == entries.count {
            entries.removeAll()
            head = 0
            for waiter in emptyWaiters { waiter.resume() }
            emptyWaiters.removeAll()
        }
    }

    /// Returns once the spool is empty.
    func waitUntilEmpty() async {
        if isEmpty { return }
        await withCheckedContinuation { emptyWaiters.append($0) }
    }
}
