/// Replaces secret values in text before it is printed or recorded.
///
/// The seam between local mode and the log pipeline: the C8SLogs streaming masker replaces
/// ``PlainSecretMasker`` here later.
public protocol SecretMasking: Sendable {
    /// `line` with every secret value replaced by `***`.
    func mask(_ line: String) -> String
    /// `bytes` (a whole file, such as an artifact) with every secret value replaced by `***`.
    func mask(bytes: [UInt8]) -> [UInt8]
}

/// Masks by plain replacement of each secret value (longest first), per line.
public struct PlainSecretMasker: SecretMasking {
    /// The replacement text.
    public static let replacement = "***"
    private let values: [String]

    /// `values` are the secrets to hide; empty values are ignored.
    public init(values: some Sequence<String>) {
        self.values = Set(values.filter { !$0.isEmpty }).sorted { $0.count > $1.count }
    }

    public func mask(_ line: String) -> String {
        var result = line
        for value in values where result.contains(value) {
            result = result.replacing(value, with: Self.replacement)
        }
        return result
    }

    public func mask(bytes: [UInt8]) -> [UInt8] {
        var result = bytes
        for value in values {
            let needle = Array(value.utf8)
            var output: [UInt8] = []
            var index = 0
            var changed = false
            while index < result.count {
                if index + needle.count <= result.count, result[index] == needle[0],
                    result[index..<index + needle.count].elementsEqual(needle)
                {
                    output.append(contentsOf: Self.replacement.utf8)
                    index += needle.count
                    changed = true
                } else {
                    output.append(result[index])
                    index += 1
                }
            }
            if changed { result = output }
        }
        return result
    }
}
