import C8SKube
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An error answer of the REST API: `{"code":404,"reason":"NotFound","message":"..."}` with the HTTP status `code`.
public struct APIProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: Int
    /// `BadRequest`, `Unauthorized`, `Forbidden`, `NotFound`, `Conflict`, `Invalid`, `InternalError`, ...
    public var reason: String
    public var message: String

    public init(code: Int, reason: String, message: String) {
        self.code = code
        self.reason = reason
        self.message = message
    }

    public var description: String { "\(code) \(reason): \(message)" }

    static func badRequest(_ message: String) -> APIProblem { .init(code: 400, reason: "BadRequest", message: message) }
    static func notFound(_ message: String) -> APIProblem { .init(code: 404, reason: "NotFound", message: message) }
    static func unauthorized(_ message: String) -> APIProblem {
        .init(code: 401, reason: "Unauthorized", message: message)
    }
    static func forbidden(_ message: String) -> APIProblem { .init(code: 403, reason: "Forbidden", message: message) }

    /// The API server's error as an answer of ours (its code, reason and message).
    static func from(_ error: KubeError) -> APIProblem {
        let code = error.httpStatus ?? 502
        let reason = error.status?.reason ?? (error.httpStatus == nil ? "ServiceUnavailable" : "InternalError")
        let message = error.status?.message ?? "the Kubernetes API failed: \(error)"
        return APIProblem(code: error.httpStatus == nil ? 503 : code, reason: reason, message: message)
    }

    /// The JSON body.
    public var json: C8SKube.JSONValue {
        ["code": .int(Int64(code)), "reason": .string(reason), "message": .string(message)]
    }

    /// The HTTP response; a 401 carries `WWW-Authenticate: Bearer`.
    var response: Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if code == 401 { headers[.wwwAuthenticate] = "Bearer" }
        let bytes = (try? KubeCodec.encode(json)) ?? Data()
        return Response(
            status: HTTPResponse.Status(code: code), headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
