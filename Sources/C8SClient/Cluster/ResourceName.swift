/// Checks of object names before they are sent, so a typo gets a clear message instead of the server's.
public enum ResourceName {
    /// Whether `name` is a DNS-1123 subdomain (the rule for Secret and PipelineConfig names).
    public static func isDNSSubdomain(_ name: String) -> Bool {
        guard !name.isEmpty, name.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            guard let first = label.unicodeScalars.first, let last = label.unicodeScalars.last else { return false }
            return alphanumeric(first) && alphanumeric(last)
                && label.unicodeScalars.allSatisfy { alphanumeric($0) || $0 == "-" }
        }
    }

    /// Throws a usage error naming `what` unless `name` is a DNS-1123 subdomain.
    public static func validate(_ name: String, what: String) throws(ClientError) {
        guard isDNSSubdomain(name) else {
            throw .usage(
                "invalid \(what) name \"\(name)\": use lower-case letters, digits, '-' and '.', starting and ending "
                    + "with a letter or digit (at most 253 characters)")
        }
    }

    private static func alphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
