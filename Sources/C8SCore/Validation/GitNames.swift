/// The checks git itself applies to commit ids and ref names, with the product's length bound; the webhook
/// receiver, the REST API and admission use them for every commit, branch and tag they accept.
public enum GitNames {
    /// Longest branch or tag name, in bytes (``PipelineLimits/maxNameBytes``).
    public static let maxRefNameBytes = PipelineLimits.standard.maxNameBytes

    /// Whether `commit` is a full object id: 40 (SHA-1) or 64 (SHA-256) lowercase hexadecimal digits.
    public static func isFullCommitID(_ commit: String) -> Bool {
        let bytes = commit.utf8
        return (bytes.count == 40 || bytes.count == 64) && bytes.allSatisfy(isLowerHex)
    }

    /// Whether `commit` is a possibly abbreviated object id: 4 to 64 lowercase hexadecimal digits (what
    /// `git rev-parse` accepts from a user).
    public static func isCommitID(_ commit: String) -> Bool {
        let bytes = commit.utf8
        return (4...64).contains(bytes.count) && bytes.allSatisfy(isLowerHex)
    }

    /// Why `name` is not a valid branch or tag name (the rules of `git check-ref-format --branch` and the
    /// length bound), or nil when it is.
    public static func refNameProblem(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        if bytes.isEmpty { return "is empty" }
        if bytes.count > maxRefNameBytes {
            return "is \(bytes.count) bytes; the limit is \(maxRefNameBytes) bytes (maxNameBytes)"
        }
        if name == "@" { return "cannot be \"@\"" }
        if bytes.first == UInt8(ascii: "-") { return "cannot start with '-'" }
        if bytes.first == UInt8(ascii: "/") || bytes.last == UInt8(ascii: "/") {
            return "cannot start or end with '/'"
        }
        if bytes.last == UInt8(ascii: ".") { return "cannot end with '.'" }
        for (index, byte) in bytes.enumerated() {
            if byte < 0x20 || byte == 0x7F { return "cannot hold control characters" }
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "~"), UInt8(ascii: "^"), UInt8(ascii: ":"), UInt8(ascii: "?"),
                UInt8(ascii: "*"), UInt8(ascii: "["), UInt8(ascii: "\\"):
                return "cannot hold '\(Character(Unicode.Scalar(byte)))'"
            default:
                break
            }
            let next = index + 1 < bytes.count ? bytes[index + 1] : 0
            if byte == UInt8(ascii: "."), next == UInt8(ascii: ".") { return "cannot hold \"..\"" }
            if byte == UInt8(ascii: "/"), next == UInt8(ascii: "/") { return "cannot hold \"//\"" }
            if byte == UInt8(ascii: "@"), next == UInt8(ascii: "{") { return "cannot hold \"@{\"" }
        }
        for component in name.split(separator: "/") {
            if component.hasPrefix(".") { return "has a component starting with '.'" }
            if component.hasSuffix(".lock") { return "has a component ending with \".lock\"" }
        }
        return nil
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)
    }
}
