import Crypto
import Foundation

/// CSRF tokens of the dashboard's POST forms and of cookie-authenticated API calls: HMAC-SHA256 of the caller's
/// identity (its session token, or `proxy:<user>` behind an authenticating proxy) under a key of the coordinator,
/// base64url without padding. A cross-site page cannot compute one: it can read neither the HttpOnly session
/// cookie nor the key. Stateless, so every replica with the same key accepts it.
struct CSRFToken: Sendable {
    let key: SymmetricKey

    init(key: SymmetricKey) { self.key = key }

    /// A key from configured secret bytes, or a random one (then tokens are valid only in this process).
    init(secret: [UInt8]?) {
        key = secret.map { SymmetricKey(data: SHA256.hash(data: $0)) } ?? SymmetricKey(size: .bits256)
    }

    /// The token of `identity`.
    func token(for identity: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(identity.utf8), using: key)
        return Self.base64URL(Array(mac))
    }

    /// Whether `candidate` is the token of `identity` (compared in constant time).
    func verify(_ candidate: String?, for identity: String) -> Bool {
        guard let candidate, candidate.utf8.count == 43 else { return false }
        let expected = Array(token(for: identity).utf8)
        var difference: UInt8 = 0
        for (left, right) in zip(expected, Array(candidate.utf8)) { difference |= left ^ right }
        return difference == 0
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func fromBase64URL(_ text: String) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map(Array.init)
    }
}
