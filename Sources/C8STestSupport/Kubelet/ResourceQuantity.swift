/// Parses Kubernetes resource quantities (`500m`, `2`, `1Gi`, `128M`, `1e3`) into the scheduler's units: CPU in
/// millicores, memory in bytes. Pure.
enum ResourceQuantity {
    /// Millicores of a CPU quantity (`"1"` → 1000, `"250m"` → 250), nil when malformed.
    static func millicores(_ text: String) -> Int64? {
        guard let value = parse(text) else { return nil }
        return Int64((value * 1000).rounded(.up))
    }

    /// Bytes of a memory quantity (`"1Gi"` → 1073741824, `"128M"` → 128000000), nil when malformed.
    static func bytes(_ text: String) -> Int64? {
        guard let value = parse(text) else { return nil }
        return Int64(value.rounded(.up))
    }

    private static let suffixes: [(String, Double)] = [
        ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776),
        ("Pi", 1_125_899_906_842_624), ("Ei", 1_152_921_504_606_846_976),
        ("n", 1e-9), ("u", 1e-6), ("m", 1e-3), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15),
        ("E", 1e18),
    ]

    /// The quantity as a plain number.
    static func parse(_ text: String) -> Double? {
        let text = text.trimmingPrefixAndSuffixSpaces
        guard !text.isEmpty else { return nil }
        for (suffix, factor) in suffixes where text.hasSuffix(suffix) {
            guard let number = Double(text.dropLast(suffix.count)), number >= 0 else { return nil }
            return number * factor
        }
        guard let number = Double(text), number >= 0 else { return nil }
        return number
    }
}

extension String {
    fileprivate var trimmingPrefixAndSuffixSpaces: String {
        var slice = Substring(self)
        while slice.first == " " { slice.removeFirst() }
        while slice.last == " " { slice.removeLast() }
        return String(slice)
    }
}
