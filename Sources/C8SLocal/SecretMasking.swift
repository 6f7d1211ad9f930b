import C8SLogs

/// Replaces secret values in text before it is printed or recorded.
///
/// Local mode uses C8SLogs's ``SecretMasker`` (every encoding of every secret; streaming for step output).
public protocol SecretMasking: Sendable {
    /// `line` with every secret value replaced by `***`.
    func mask(_ line: String) -> String
    /// `bytes` (a whole file, such as an artifact) with every secret value replaced by `***`.
    func mask(bytes: [UInt8]) -> [UInt8]
}

extension SecretMasker: SecretMasking {
    public func mask(bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBufferPointer { mask($0) } ?? bytes
    }
}

extension SecretMasker {
    /// A masker of the `--secret` values of a local run (`NAME.KEY` → value).
    public init(localSecrets: [String: String]) {
        self.init(secrets: localSecrets.sorted { $0.key < $1.key }.map { Secret(name: $0.key, value: $0.value) })
    }
}
