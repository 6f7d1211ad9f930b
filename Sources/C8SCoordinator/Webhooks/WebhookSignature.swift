import Crypto

/// Signature and token checks for webhook deliveries, all compared in constant time.
public enum WebhookSignature {
    /// Whether `header` is `sha256=<hex>` (or bare `<hex>` when `prefixed` is false) and the hex is
    /// the HMAC-SHA256 of `body` under `secret`.
    public static func verifyHMACSHA256(
        header: String?, body: some Collection<UInt8>, secret: String, prefixed: Bool
    ) -> Bool {
        guard var text = header?.trimmingASCIIWhitespace(), !secret.isEmpty else { return false }
        if prefixed {
            guard text.lowercased().hasPrefix("sha256=") else { return false }
            text.removeFirst("sha256=".count)
        }
        guard let given = decodeHex(text), given.count == SHA256.byteCount else { return false }
        let key = SymmetricKey(data: Array(secret.utf8))
        return HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: Array(body), using: key)
    }

    /// The `sha256=<hex>` signature of `body` under `secret` (`prefixed: false` gives bare hex).
    public static func sign(_ body: some Collection<UInt8>, secret: String, prefixed: Bool = true) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(body), using: SymmetricKey(data: Array(secret.utf8)))
        let hex = encodeHex(Array(mac))
        return prefixed ? "sha256=" + hex : hex
    }

    /// Whether `token` equals `secret`, compared in time independent of where they differ.
    /// Both are hashed first so the comparison length does not leak the secret's length.
    public static func verifyToken(_ token: String?, secret: String) -> Bool {
        guard let token, !secret.isEmpty else { return false }
        let lhs = Array(SHA256.hash(data: Array(token.utf8)))
        let rhs = Array(SHA256.hash(data: Array(secret.utf8)))
        var difference: UInt8 = 0
        for index in 0..<lhs.count {
            difference |= lhs[index] ^ rhs[index]
        }
        return difference == 0
    }

    static func decodeHex(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = hexValue(utf8[index]), let low = hexValue(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    static func encodeHex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
