import C8SBuildStamp
import Foundation

/// The version and git revision an executable was built from: what `--version` prints, what the coordinator's
/// `GET /version` answers and what `c8s version` shows.
///
/// ``current`` is stamped at build time (`C8S_VERSION` and `C8S_REVISION` in the environment of `swift build`,
/// see Package.swift; `make images` and `make release` set them); a plain `swift build` gives `dev` and `unknown`.
public struct BuildVersion: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The release version (`0.1.0`, `0.2.0-rc.1`) or `dev`.
    public var version: String
    /// The git commit, or `unknown`.
    public var revision: String

    public init(version: String, revision: String) {
        self.version = version
        self.revision = revision
    }

    /// The version of this executable.
    public static let current = BuildVersion(
        version: String(cString: c8s_build_version()), revision: String(cString: c8s_build_revision()))

    /// The largest `GET /version` body ``init(json:)`` reads.
    public static let maximumBodySize = 4096
    /// The longest version or revision accepted (the same bound as at build time).
    public static let maximumFieldLength = 128

    /// `0.1.0 (revision 3f2a…)`.
    public var description: String { "\(version) (revision \(revision))" }

    /// The `GET /version` body: `{"revision":"…","version":"…"}`.
    public var json: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Two strings always encode.
        return Array((try? encoder.encode(self)) ?? Data())
    }

    /// Decodes a `GET /version` body, refusing one larger than ``maximumBodySize``, a missing field, or a field
    /// longer than ``maximumFieldLength`` or with characters other than `[0-9A-Za-z._+-]` (a version is printed to a
    /// terminal as it is).
    public init(json body: some Collection<UInt8>) throws(BuildVersionError) {
        guard body.count <= Self.maximumBodySize else {
            throw BuildVersionError(
                "the version response has \(body.count) bytes, more than the limit of \(Self.maximumBodySize)")
        }
        let decoded: BuildVersion
        do {
            decoded = try JSONDecoder().decode(BuildVersion.self, from: Data(body))
        } catch {
            throw BuildVersionError("the version response is not {\"version\": …, \"revision\": …}: \(error)")
        }
        for (field, value) in [("version", decoded.version), ("revision", decoded.revision)] {
            guard Self.isValidField(value) else {
                throw BuildVersionError(
                    "the version response's \(field) is empty, longer than \(Self.maximumFieldLength) characters or "
                        + "has characters other than [0-9A-Za-z._+-]")
            }
        }
        self = decoded
    }

    /// Whether `value` is 1 to ``maximumFieldLength`` of `[0-9A-Za-z._+-]`.
    public static func isValidField(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.count <= maximumFieldLength
            && value.utf8.allSatisfy { byte in
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || "._+-".utf8.contains(byte)
            }
    }
}
