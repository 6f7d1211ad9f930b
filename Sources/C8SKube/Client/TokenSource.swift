import Foundation
import Synchronization

/// A bearer token read from a file and read again when the file changes (kubelet rotates projected
/// service-account tokens by swapping a symlink), or at the latest after `maximumAge`.
final class TokenSource: Sendable {
    private struct Cached {
        var token: String
        var modified: Date?
        var size: Int?
        var readAt: ContinuousClock.Instant
    }

    let path: String
    let maximumAge: Duration
    private let cached = Mutex<Cached?>(nil)

    init(path: String, maximumAge: Duration = .seconds(60)) {
        self.path = path
        self.maximumAge = maximumAge
    }

    /// The current token; throws when the file cannot be read.
    func token() throws -> String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let modified = attributes?[.modificationDate] as? Date
        let size = (attributes?[.size] as? NSNumber)?.intValue
        let now = ContinuousClock.now
        if let current = cached.withLock({ $0 }), current.modified == modified, current.size == size,
            now - current.readAt < maximumAge
        {
            return current.token
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubeConfigError("cannot read the bearer token file \(path)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        cached.withLock { $0 = Cached(token: token, modified: modified, size: size, readAt: now) }
        return token
    }

    /// Forgets the cached token (after a 401, the file may hold a newer one).
    func invalidate() {
        cached.withLock { $0 = nil }
    }
}
