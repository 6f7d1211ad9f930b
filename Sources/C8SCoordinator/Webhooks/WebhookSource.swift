import C8SKube
import Crypto

/// One webhook endpoint family (`/webhooks/<rawValue>`): how its deliveries are authenticated,
/// identified and decoded into a ``ForgeEvent``. Everything here is pure.
public enum WebhookSource: String, Sendable, Hashable, CaseIterable {
    case github
    case gitlab
    /// Bitbucket Cloud and Bitbucket Data Center.
    case bitbucket
    /// Gitea and Forgejo.
    case gitea

    /// Whether a connection of `provider` is served by this endpoint.
    public func serves(_ provider: ForgeProvider) -> Bool {
        switch (self, provider) {
        case (.github, .github), (.gitlab, .gitlab), (.gitea, .gitea): true
        case (.bitbucket, .bitbucketCloud), (.bitbucket, .bitbucketDataCenter): true
        default: false
        }
    }

    /// The header carrying the signature or token, for messages.
    public var credentialHeader: String {
        switch self {
        case .github: "X-Hub-Signature-256"
        case .gitlab: "X-Gitlab-Token"
        case .bitbucket: "X-Hub-Signature"
        case .gitea: "X-Gitea-Signature"
        }
    }

    /// Whether the delivery carries a signature or token at all (checked before the body is parsed).
    public func hasCredentials(_ headers: WebhookHeaders) -> Bool {
        credential(headers) != nil
    }

    private func credential(_ headers: WebhookHeaders) -> String? {
        switch self {
        case .github: headers["X-Hub-Signature-256"]
        case .gitlab: headers["X-Gitlab-Token"]
        case .bitbucket: headers["X-Hub-Signature"]
        case .gitea: headers.first(of: "X-Forgejo-Signature", "X-Gitea-Signature")
        }
    }

    /// Whether the delivery's signature (HMAC-SHA256 of the raw body) or token matches `secret`.
    public func authenticate(headers: WebhookHeaders, body: [UInt8], secret: String) -> Bool {
        switch self {
        case .github, .bitbucket:
            WebhookSignature.verifyHMACSHA256(header: credential(headers), body: body, secret: secret, prefixed: true)
        case .gitlab:
            WebhookSignature.verifyToken(credential(headers), secret: secret)
        case .gitea:
            WebhookSignature.verifyHMACSHA256(
                header: credential(headers), body: body, secret: secret, prefixed: false)
        }
    }

    /// The forge's delivery id, or `sha256-<digest of the body>` when it sent none (a redelivery
    /// repeats the same body, so it still deduplicates).
    public func deliveryID(headers: WebhookHeaders, body: [UInt8]) -> String {
        let id: String? =
            switch self {
            case .github: headers["X-GitHub-Delivery"]
            case .gitlab: headers.first(of: "Idempotency-Key", "X-Gitlab-Event-UUID", "X-Gitlab-Webhook-UUID")
            // X-Hook-UUID names the webhook, not the delivery: never a delivery id.
            case .bitbucket: headers.first(of: "X-Request-UUID", "X-Request-Id")
            case .gitea: headers.first(of: "X-Forgejo-Delivery", "X-Gitea-Delivery", "X-Gogs-Delivery")
            }
        if let id { return id }
        return "sha256-" + WebhookSignature.encodeHex(Array(SHA256.hash(data: body))).prefix(32)
    }

    /// Decodes an (as yet unauthenticated) delivery: checks that credentials are present (401),
    /// the media type (415: JSON, or a form-encoded `payload` field as GitHub and Gitea can send),
    /// the JSON (400 with the byte offset) and the fields the event kind needs (400 naming them).
    public func decode(headers: WebhookHeaders, body: [UInt8]) throws(WebhookError) -> ForgeEvent {
        guard hasCredentials(headers) else { throw .unauthorized("missing header \(credentialHeader)") }
        let json = try jsonBytes(headers: headers, body: body)
        let payload: JSONValue
        do {
            payload = try JSONParser().parse(json)
        } catch {
            throw .malformed(error.description)
        }
        guard case .object = payload else { throw .malformed("the body is not a JSON object") }
        let delivery = deliveryID(headers: headers, body: body)
        switch self {
        case .github: return try GitHubWebhook.event(headers: headers, payload: payload, deliveryID: delivery)
        case .gitlab: return try GitLabWebhook.event(headers: headers, payload: payload, deliveryID: delivery)
        case .bitbucket: return try BitbucketWebhook.event(headers: headers, payload: payload, deliveryID: delivery)
        case .gitea: return try GiteaWebhook.event(headers: headers, payload: payload, deliveryID: delivery)
        }
    }

    func jsonBytes(headers: WebhookHeaders, body: [UInt8]) throws(WebhookError) -> [UInt8] {
        let mediaType = headers["Content-Type"].map {
            String($0.split(separator: ";", maxSplits: 1).first ?? "").trimmingASCIIWhitespace().lowercased()
        }
        switch mediaType {
        case nil, "application/json", "text/json":
            return body
        case "application/x-www-form-urlencoded" where self == .github || self == .gitea:
            guard let payload = FormDecoding.value(of: "payload", in: body) else {
                throw .malformed("missing form field payload")
            }
            return payload
        case let other?:
            throw .unsupportedMediaType("unsupported Content-Type \(other); expected application/json")
        }
    }
}

enum FormDecoding {
    /// The percent-decoded value of field `name` in an `application/x-www-form-urlencoded` body.
    static func value(of name: String, in body: [UInt8]) -> [UInt8]? {
        for field in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = field.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = decode(parts[0]), key == Array(name.utf8) else { continue }
            return parts.count > 1 ? decode(parts[1]) : []
        }
        return nil
    }

    static func decode(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(0x20)
            } else if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.endIndex,
                    let value = WebhookSignature.decodeHex(
                        String(decoding: bytes[(index + 1)...(index + 2)], as: UTF8.self))
                else { return nil }
                out.append(value[0])
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return out
    }
}
