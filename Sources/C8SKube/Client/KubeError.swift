import Foundation

/// A failed API request: the API's `Status` reason as a code, with a message a user can act on.
public struct KubeError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, by the API's reason and HTTP status.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case notFound, alreadyExists, conflict, invalid, gone, forbidden, unauthorized, tooManyRequests
            case badRequest, methodNotAllowed, unsupportedMediaType, timeout, serverError, transport, decoding
            case other
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// 404: the object (or its namespace, or the resource type) does not exist.
        public static let notFound = Code(.notFound)
        /// 409 AlreadyExists: create of a name that is taken.
        public static let alreadyExists = Code(.alreadyExists)
        /// 409 Conflict: the object changed since it was read (stale resourceVersion or a failed precondition).
        public static let conflict = Code(.conflict)
        /// 422: the object failed validation; `causes` names the fields.
        public static let invalid = Code(.invalid)
        /// 410: the requested resourceVersion is too old (watch or continue token expired): list again.
        public static let gone = Code(.gone)
        /// 403: the credentials lack permission (RBAC).
        public static let forbidden = Code(.forbidden)
        /// 401: no or bad credentials.
        public static let unauthorized = Code(.unauthorized)
        /// 429: throttled (API priority and fairness); `retryAfter` says when to come back.
        public static let tooManyRequests = Code(.tooManyRequests)
        /// 400: the request itself is malformed.
        public static let badRequest = Code(.badRequest)
        /// 405: the verb is not supported on this resource.
        public static let methodNotAllowed = Code(.methodNotAllowed)
        /// 415: the patch type is not supported by the server for this resource.
        public static let unsupportedMediaType = Code(.unsupportedMediaType)
        /// 504 or a request deadline: the server did not answer in time.
        public static let timeout = Code(.timeout)
        /// 5xx: the API server failed.
        public static let serverError = Code(.serverError)
        /// The connection failed (no response).
        public static let transport = Code(.transport)
        /// A response body was not what the API returns.
        public static let decoding = Code(.decoding)
        /// Any other failure.
        public static let other = Code(.other)

        public var description: String { "\(base)" }

        /// The code of an HTTP status and the API's reason.
        static func of(httpStatus: Int, reason: String?) -> Code {
            switch reason {
            case "NotFound": return .notFound
            case "AlreadyExists": return .alreadyExists
            case "Conflict": return .conflict
            case "Invalid": return .invalid
            case "Gone", "Expired": return .gone
            case "Forbidden": return .forbidden
            case "Unauthorized": return .unauthorized
            case "TooManyRequests": return .tooManyRequests
            case "BadRequest": return .badRequest
            case "MethodNotAllowed": return .methodNotAllowed
            case "UnsupportedMediaType": return .unsupportedMediaType
            case "Timeout", "ServerTimeout": return .timeout
            default: break
            }
            switch httpStatus {
            case 400: return .badRequest
            case 401: return .unauthorized
            case 403: return .forbidden
            case 404: return .notFound
            case 405: return .methodNotAllowed
            case 409: return .conflict
            case 410: return .gone
            case 415: return .unsupportedMediaType
            case 422: return .invalid
            case 429: return .tooManyRequests
            case 504: return .timeout
            case 500...599: return .serverError
            default: return .other
            }
        }
    }

    public let code: Code
    /// The request, as `VERB path` (no query values that could hold secrets are added beyond the URL's own).
    public let request: String
    /// The HTTP status, when a response arrived.
    public let httpStatus: Int?
    /// The API's Status body, when the response had one.
    public let status: Status?
    /// When a throttled request may be retried.
    public let retryAfter: Duration?
    private let detail: String?

    init(
        code: Code, request: String, httpStatus: Int?, status: Status?, retryAfter: Duration? = nil,
        detail: String? = nil
    ) {
        self.code = code
        self.request = request
        self.httpStatus = httpStatus
        self.status = status
        self.retryAfter = retryAfter
        self.detail = detail
    }

    /// An error from a response's HTTP status and body (decoded as a Status when it is one).
    static func response(request: String, httpStatus: Int, body: [UInt8], retryAfterHeader: String?) -> KubeError {
        let status = try? JSONDecoder().decode(Status.self, from: Data(body))
        let statusIsReal = status?.reason != nil || status?.message != nil
        var retryAfter = retryAfterHeader.flatMap(Int.init).map { Duration.seconds($0) }
        if retryAfter == nil, let seconds = status?.details?.retryAfterSeconds { retryAfter = .seconds(seconds) }
        let text = String(decoding: body.prefix(512), as: UTF8.self)
        return KubeError(
            code: .of(httpStatus: httpStatus, reason: status?.reason), request: request, httpStatus: httpStatus,
            status: statusIsReal ? status : nil, retryAfter: retryAfter, detail: statusIsReal ? nil : text)
    }

    /// An error from a watch ERROR event's Status.
    static func watchError(request: String, status: Status) -> KubeError {
        KubeError(
            code: .of(httpStatus: status.code ?? 500, reason: status.reason), request: request,
            httpStatus: status.code, status: status)
    }

    static func transport(request: String, _ error: any Error) -> KubeError {
        KubeError(code: .transport, request: request, httpStatus: nil, status: nil, detail: "\(error)")
    }

    static func decoding(request: String, _ error: any Error) -> KubeError {
        KubeError(code: .decoding, request: request, httpStatus: nil, status: nil, detail: "\(error)")
    }

    /// The fields an Invalid request got wrong.
    public var causes: [StatusCause] { status?.details?.causes ?? [] }

    public var isNotFound: Bool { code == .notFound }
    public var isAlreadyExists: Bool { code == .alreadyExists }
    public var isConflict: Bool { code == .conflict }
    public var isInvalid: Bool { code == .invalid }
    public var isGone: Bool { code == .gone }

    public var description: String {
        var text = "\(request) failed"
        if let httpStatus { text += " (\(httpStatus)\(status?.reason.map { " " + $0 } ?? ""))" }
        if let message = status?.message, !message.isEmpty {
            text += ": \(message)"
        } else if let detail, !detail.isEmpty {
            text += ": \(detail)"
        }
        if code == .invalid, !causes.isEmpty, !(status?.message ?? "").contains(causes[0].field ?? "\u{0}") {
            text += " [" + causes.map(\.description).joined(separator: "; ") + "]"
        }
        switch code {
        case .conflict: text += " — read the object again and retry the change"
        case .gone: text += " — the resourceVersion is too old; list again"
        case .forbidden: text += " — grant the service account RBAC permission for this verb and resource"
        case .unauthorized: text += " — check the kubeconfig credentials or the service-account token"
        case .tooManyRequests: text += retryAfter.map { " — retry after \($0)" } ?? " — retry later"
        case .notFound where status == nil && httpStatus == 404:
            text += " — is the resource type (CRD) installed?"
        default: break
        }
        return text
    }
}
