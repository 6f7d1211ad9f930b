import C8SKube

/// The answer to an AdmissionReview: allowed, or refused with a status message kube-apiserver shows the client
/// (`admission webhook "…" denied the request: MESSAGE`), plus warnings it shows either way.
public struct AdmissionResponse: Sendable, Hashable {
    /// Most warnings returned, and the most bytes of one (kube-apiserver truncates longer ones itself).
    public static let maxWarnings = 20
    public static let maxWarningBytes = 256
    /// Most bytes of the status message.
    public static let maxMessageBytes = 16 * 1024

    public var uid: String
    public var allowed: Bool
    /// The refusal, when not allowed.
    public var message: String?
    /// 403 for a refused object, 400 for an undecodable one.
    public var code: Int
    public var warnings: [String]

    public init(uid: String, allowed: Bool, message: String? = nil, code: Int = 200, warnings: [String] = []) {
        self.uid = uid
        self.allowed = allowed
        self.message = message.map { Self.bounded($0, Self.maxMessageBytes) }
        self.code = code
        self.warnings = warnings.prefix(Self.maxWarnings).map { Self.bounded($0, Self.maxWarningBytes) }
    }

    /// Allows the object.
    public static func allow(_ uid: String, warnings: [String] = []) -> AdmissionResponse {
        AdmissionResponse(uid: uid, allowed: true, warnings: warnings)
    }

    /// Refuses the object with `message`.
    public static func deny(_ uid: String, _ message: String, warnings: [String] = []) -> AdmissionResponse {
        AdmissionResponse(uid: uid, allowed: false, message: message, code: 403, warnings: warnings)
    }

    /// The AdmissionReview v1 JSON kube-apiserver expects.
    public var review: JSONValue {
        var response: [String: JSONValue] = ["uid": .string(uid), "allowed": .bool(allowed)]
        if !allowed {
            response["status"] = .object([
                "code": .int(Int64(code)), "message": .string(message ?? "denied"),
                "reason": .string(code == 400 ? "BadRequest" : "Forbidden"),
            ])
        }
        if !warnings.isEmpty { response["warnings"] = .array(warnings.map(JSONValue.string)) }
        return .object([
            "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": .object(response),
        ])
    }

    private static func bounded(_ text: String, _ limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        return String(decoding: text.utf8.prefix(limit - 3), as: UTF8.self) + "…"
    }
}
