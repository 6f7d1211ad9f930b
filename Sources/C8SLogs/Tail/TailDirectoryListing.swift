#if canImport(Glibc)
import Glibc
#endif

/// One listing of a container log directory: its log files (name, identity, size) and its compressed rotations.
///
/// `readdir` is not a snapshot: an entry renamed while the directory is being listed (kubelet rotating `0.log` to
/// `0.log.<timestamp>`) may be returned under neither name, and a name may be stat'ed after it was given to another
/// file. ``stable(directory:maxAttempts:)`` lists until two listings in a row agree, which no single rename can
/// fake: the listing it overlaps differs from the one after it.
struct TailDirectoryListing: Equatable {
    struct Entry: Equatable {
        var order: TailFileName
        var name: String
        var identity: LogFileIdentity
        var size: Int64
    }

    /// Log files to read (not compressed), in directory order.
    var files: [Entry] = []
    /// Every name that is or was a rotated log file, `.gz` included (for the newest rotation suffix).
    var rotations: [TailFileName] = []
    /// `*.gz` rotated files.
    var compressed: [String] = []
    /// A listed name was gone (renamed or removed) before it could be stat'ed.
    var raced = false

    /// Lists `directory` once; `nil` when it cannot be opened.
    static func list(directory: String) -> TailDirectoryListing? {
        guard let dir = opendir(directory) else { return nil }
        defer { closedir(dir) }
        var listing = TailDirectoryListing()
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if let rotated = TailFileName(name.hasSuffix(".gz") ? String(name.dropLast(3)) : name), !rotated.isLive {
                listing.rotations.append(rotated)
                if name.hasSuffix(".gz") { listing.compressed.append(name) }
            }
            guard let order = TailFileName(name) else { continue }
            var info = stat()
            guard (try? systemCall("fstatat", name, { fstatat(dirfd(dir), name, &info, 0) })) != nil else {
                listing.raced = true
                continue
            }
            guard info.st_mode & S_IFMT == S_IFREG else { continue }
            let identity = LogFileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
            listing.files.append(Entry(order: order, name: name, identity: identity, size: Int64(info.st_size)))
        }
        return listing
    }

    /// Lists `directory` until two listings in a row are equal and not raced (sizes aside: a live file grows).
    /// After `maxAttempts` listings without that, returns the last one marked ``raced``.
    static func stable(directory: String, maxAttempts: Int = 16) -> TailDirectoryListing? {
        guard var previous = list(directory: directory) else { return nil }
        for _ in 1..<max(maxAttempts, 2) {
            guard let next = list(directory: directory) else { return nil }
            if !previous.raced, !next.raced, previous.sameFiles(as: next) { return next }
            previous = next
        }
        previous.raced = true
        return previous
    }

    func sameFiles(as other: TailDirectoryListing) -> Bool {
        func key(_ l: TailDirectoryListing) -> [String: LogFileIdentity] {
            Dictionary(l.files.map { ($0.name, $0.identity) }, uniquingKeysWith: { a, _ in a })
        }
        return key(self) == key(other) && Set(compressed) == Set(other.compressed)
    }
}
