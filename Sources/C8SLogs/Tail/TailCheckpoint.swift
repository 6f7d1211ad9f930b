import Foundation
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Stores a ``TailPosition`` in a file, atomically: written to a temporary file, fsynced, renamed over the
/// checkpoint and the directory fsynced, so a process killed at any point leaves either the old or the new one.
public struct TailCheckpoint: Sendable {
    /// The checkpoint file.
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The stored position, or `nil` when there is no checkpoint yet.
    public func load() throws -> TailPosition? {
        guard let data = FileManager.default.contents(atPath: path) else {
            if FileManager.default.fileExists(atPath: path) {
                throw SystemCallError(call: "read", subject: path, errno: EIO)
            }
            return nil
        }
        do {
            return try JSONDecoder().decode(TailPosition.self, from: data)
        } catch {
            throw LogTailerError.badCheckpoint(path: path, reason: "\(error)")
        }
    }

    /// Replaces the stored position.
    public func store(_ position: TailPosition) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(position)
        let temporary = path + ".tmp"
        let fd = try systemCall("open", temporary) { open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        defer { close(fd) }
        do {
            try FileDescriptor(rawValue: fd).writeAll(data)
        } catch let error as Errno {
            throw SystemCallError(call: "write", subject: temporary, errno: error.rawValue)
        }
        try systemCall("fsync", temporary) { fsync(fd) }
        try systemCall("rename", path) { rename(temporary, path) }
        let directory = (path as NSString).deletingLastPathComponent
        let dirFD = try systemCall("open", directory) {
            open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }
        defer { close(dirFD) }
        try systemCall("fsync", directory) { fsync(dirFD) }
    }
}
