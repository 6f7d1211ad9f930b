import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A ``LogStore`` in a local directory (the local-mode default, e.g. `.c8s/logs`).
///
/// A key is a relative path under the root. Puts are atomic: the data goes to a temporary file in the target
/// directory (`.tmp-…`, never listed), is optionally fsynced, and is renamed over the key.
public struct DirectoryLogStore: LogStore {
    /// The root directory (created on first put).
    public let root: String
    /// Whether puts fsync the file before renaming it (default true).
    public let syncWrites: Bool

    public init(root: String, syncWrites: Bool = true) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        self.syncWrites = syncWrites
    }

    private func path(_ key: String) -> String { root + "/" + key }

    @discardableResult
    public func put(_ key: String, _ data: [UInt8]) async throws -> PutOutcome {
        try validateStoreKey(key, method: "PUT")
        let target = path(key)
        let directory = String(target[..<target.lastIndex(of: "/")!])
        try makeDirectories(directory, request: "PUT \(key)")
        let temp = directory + "/.tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let fd = try storeSystemCall("PUT \(key)", "open \(temp)") {
            open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        }
        do {
            do {
                try FileDescriptor(rawValue: fd).writeAll(data)
            } catch let error as Errno {
                throw storeIOError("PUT \(key)", "write \(temp)", code: error.rawValue)
            }
            if syncWrites { _ = try storeSystemCall("PUT \(key)", "fsync \(temp)") { fsync(fd) } }
            close(fd)
            _ = try storeSystemCall("PUT \(key)", "rename \(temp)") { rename(temp, target) }
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        return .stored
    }

    public func get(_ key: String, range: Range<Int>?) async throws -> [UInt8]? {
        try validateStoreKey(key, method: "GET")
        let file = path(key)
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw storeIOError("GET \(key)", "open \(file)")
        }
        defer { close(fd) }
        var st = stat()
        _ = try storeSystemCall("GET \(key)", "fstat \(file)") { fstat(fd, &st) }
        if (st.st_mode & S_IFMT) == S_IFDIR { return nil }
        let size = Int(st.st_size)
        let lower = min(max(range?.lowerBound ?? 0, 0), size)
        let upper = min(max(range?.upperBound ?? size, lower), size)
        var done = 0
        let bytes = try [UInt8](unsafeUninitializedCapacity: upper - lower) { buffer, count in
            count = 0
            while done < upper - lower {
                let n = try storeSystemCall("GET \(key)", "read \(file)") {
                    pread(fd, buffer.baseAddress! + done, upper - lower - done, off_t(lower + done))
                }
                if n == 0 { break }
                done += Int(n)
            }
            count = done
        }
        return bytes
    }

    public func list(prefix: String) async throws -> [StoredObject] {
        // Walk from the deepest directory the prefix names, then filter by the full prefix.
        let base = prefix.lastIndex(of: "/").map { String(prefix[..<$0]) } ?? ""
        var result: [StoredObject] = []
        try walk(relative: base, prefix: prefix, into: &result)
        result.sort { $0.key < $1.key }
        return result
    }

    private func walk(relative: String, prefix: String, into result: inout [StoredObject]) throws {
        let dirPath = relative.isEmpty ? root : path(relative)
        guard let dir = opendir(dirPath) else {
            if errno == ENOENT || errno == ENOTDIR { return }
            throw storeIOError("LIST \(prefix)", "opendir \(dirPath)")
        }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." || name.hasPrefix(".tmp-") { continue }
            let key = relative.isEmpty ? name : relative + "/" + name
            var st = stat()
            guard lstat(path(key), &st) == 0 else { continue }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                if prefix.hasPrefix(key + "/") || (key + "/").hasPrefix(prefix) || key.hasPrefix(prefix) {
                    try walk(relative: key, prefix: prefix, into: &result)
                }
            } else if (st.st_mode & S_IFMT) == S_IFREG && key.hasPrefix(prefix) {
                result.append(StoredObject(key: key, size: Int(st.st_size)))
            }
        }
    }

    public func delete(_ key: String) async throws {
        try validateStoreKey(key, method: "DELETE")
        if unlink(path(key)) != 0 && errno != ENOENT && errno != ENOTDIR {
            throw storeIOError("DELETE \(key)", "unlink \(path(key))")
        }
    }

    private func makeDirectories(_ directory: String, request: String) throws {
        var st = stat()
        if stat(directory, &st) == 0 { return }
        if let slash = directory.lastIndex(of: "/"), slash != directory.startIndex {
            try makeDirectories(String(directory[..<slash]), request: request)
        }
        if mkdir(directory, 0o755) != 0 && errno != EEXIST { throw storeIOError(request, "mkdir \(directory)") }
    }
}

/// Runs a system call, retrying on EINTR, and throws a ``LogStoreError`` naming the request and the call on failure.
@discardableResult
func storeSystemCall<T: BinaryInteger>(_ request: String, _ what: @autoclosure () -> String, _ call: () -> T) throws
    -> T
{
    while true {
        let result = call()
        if result >= 0 { return result }
        if errno == EINTR { continue }
        throw storeIOError(request, what())
    }
}

func storeIOError(_ request: String, _ what: String, code: Int32 = errno) -> LogStoreError {
    return LogStoreError(.io, request: request, message: "\(what): \(String(cString: strerror(code))) (errno \(code))")
}
