import C8SKube

/// The `request` of an `admission.k8s.io/v1` AdmissionReview, as kube-apiserver posts it to a validating webhook.
///
/// Decoding is bounded: at most ``maxBodyBytes`` bytes, JSON nesting at most 64 levels (the shared parser, which
/// also refuses duplicate keys), and every field is type-checked; an error names the field.
public struct AdmissionRequest: Sendable, Hashable {
    /// The largest AdmissionReview accepted, in bytes: an object (at most 1.5 MiB in etcd) and its old version.
    public static let maxBodyBytes = 4 * 1024 * 1024

    /// Copied into the response, which kube-apiserver matches by it.
    public var uid: String
    /// The kind of the object, e.g. group `c8s.dev`, kind `PipelineConfig`.
    public var group: String
    public var kind: String
    /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
    public var operation: String
    public var namespace: String?
    public var name: String?
    /// The object being admitted (absent for `DELETE`).
    public var object: JSONValue?
    /// The object as stored before an `UPDATE`.
    public var oldObject: JSONValue?
    /// Whether the request is a dry run (nothing is stored whatever the answer).
    public var dryRun: Bool

    public init(
        uid: String, group: String, kind: String, operation: String, namespace: String? = nil, name: String? = nil,
        object: JSONValue? = nil, oldObject: JSONValue? = nil, dryRun: Bool = false
    ) {
        self.uid = uid
        self.group = group
        self.kind = kind
        self.operation = operation
        self.namespace = namespace
        self.name = name
        self.object = object
        self.oldObject = oldObject
        self.dryRun = dryRun
    }

    /// Decodes an AdmissionReview body.
    public static func decode(_ body: [UInt8]) throws(AdmissionError) -> AdmissionRequest {
        guard body.count <= maxBodyBytes else {
            throw AdmissionError("the AdmissionReview is \(body.count) bytes; the limit is \(maxBodyBytes) bytes")
        }
        let review: JSONValue
        do {
            review = try JSONParser(duplicateKeys: .reject).parse(body)
        } catch {
            throw AdmissionError(error.description)
        }
        guard review["apiVersion"]?.stringValue == "admission.k8s.io/v1" else {
            throw AdmissionError("apiVersion must be admission.k8s.io/v1")
        }
        guard review["kind"]?.stringValue == "AdmissionReview" else {
            throw AdmissionError("kind must be AdmissionReview")
        }
        guard let request = review["request"], request.objectValue != nil else {
            throw AdmissionError("missing field request (expected an object)")
        }
        func string(_ path: String, required: Bool = true) throws(AdmissionError) -> String? {
            switch request.value(at: path) {
            case .string(let text)?:
                guard text.utf8.count <= 1024 else { throw AdmissionError("request.\(path) is longer than 1024 bytes") }
                return text
            case nil, .null?:
                if required { throw AdmissionError("missing field request.\(path) (expected a string)") }
                return nil
            default:
                throw AdmissionError("request.\(path) must be a string")
            }
        }
        var object: JSONValue?
        switch request["object"] {
        case nil, .null?: break
        case let value? where value.objectValue != nil: object = value
        default: throw AdmissionError("request.object must be an object")
        }
        var oldObject: JSONValue?
        switch request["oldObject"] {
        case nil, .null?: break
        case let value? where value.objectValue != nil: oldObject = value
        default: throw AdmissionError("request.oldObject must be an object")
        }
        var dryRun = false
        switch request["dryRun"] {
        case .bool(let value)?: dryRun = value
        case nil, .null?: break
        default: throw AdmissionError("request.dryRun must be a boolean")
        }
        return AdmissionRequest(
            uid: try string("uid")!, group: try string("kind.group", required: false) ?? "",
            kind: try string("kind.kind")!, operation: try string("operation")!,
            namespace: try string("namespace", required: false), name: try string("name", required: false),
            object: object, oldObject: oldObject, dryRun: dryRun)
    }
}

/// Why an AdmissionReview could not be decoded (answered 400: kube-apiserver then applies the failure policy).
public struct AdmissionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Names the field or byte offset at fault.
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
