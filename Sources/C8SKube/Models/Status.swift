/// metav1.Status: the body of failed requests (and of watch ERROR events).
public struct Status: Codable, Sendable, Hashable {
    /// `Success` or `Failure`.
    public var status: String?
    public var message: String?
    /// A machine-readable reason: `NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, `Gone`, `Expired`, ….
    public var reason: String?
    public var details: StatusDetails?
    /// The HTTP status code.
    public var code: Int?

    public init(
        status: String? = nil, message: String? = nil, reason: String? = nil, details: StatusDetails? = nil,
        code: Int? = nil
    ) {
        self.status = status
        self.message = message
        self.reason = reason
        self.details = details
        self.code = code
    }
}

/// metav1.StatusDetails.
public struct StatusDetails: Codable, Sendable, Hashable {
    public var name: String?
    public var group: String?
    public var kind: String?
    public var uid: String?
    public var causes: [StatusCause]?
    public var retryAfterSeconds: Int?

    public init(
        name: String? = nil, group: String? = nil, kind: String? = nil, causes: [StatusCause]? = nil,
        retryAfterSeconds: Int? = nil
    ) {
        self.name = name
        self.group = group
        self.kind = kind
        self.causes = causes
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// metav1.StatusCause: one reason a request was invalid, naming the field.
public struct StatusCause: Codable, Sendable, Hashable, CustomStringConvertible {
    /// `FieldValueRequired`, `FieldValueInvalid`, ….
    public var reason: String?
    public var message: String?
    /// The field path (`spec.steps[0].name`).
    public var field: String?

    public init(reason: String? = nil, message: String? = nil, field: String? = nil) {
        self.reason = reason
        self.message = message
        self.field = field
    }

    public var description: String {
        [field, message ?? reason].compactMap { $0 }.joined(separator: ": ")
    }
}
