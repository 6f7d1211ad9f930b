import C8STestSupport
import Foundation

/// The secret value and every encoding of it a leak could take (plain, base64 with and without padding).
struct SecretForms: Sendable {
    let value: String
    var forms: [String] {
        let base64 = Data(value.utf8).base64EncodedString()
        return [value, base64, base64.replacingOccurrences(of: "=", with: "")]
    }

    /// The forms found in `text`.
    func leaks(in text: String) -> [String] { forms.filter { text.contains($0) } }
}

/// Decompresses a zstd frame with the `zstd` command-line tool (the chunks must also read with it).
func zstdDecompress(_ bytes: [UInt8]) async throws -> [UInt8] {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("c8s-zstd-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = directory.appendingPathComponent("chunk.zst")
    try Data(bytes).write(to: input)
    let result = try await ChildProcess.run("zstd", ["-q", "-d", "-c", input.path])
    guard result.succeeded else {
        throw IntegrationError("zstd -d failed (\(result.termination)) on a stored chunk: \(result.errorText)")
    }
    return Array(result.standardOutput)
}

/// Whether `bytes` start with the zstd frame magic number.
func isZstdFrame(_ bytes: [UInt8]) -> Bool { bytes.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) }
