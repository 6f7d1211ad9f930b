/// A parsed JSON document, kept as a tree so webhook normalizers can pick the fields they need.
///
/// Numbers keep their source text so large integers (GitHub ids) never lose precision.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The member `key` of an object, or `nil`.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The string value, or `nil` for any other kind.
    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The boolean value, or `nil` for any other kind.
    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The integer value of a number (or of a string holding digits), or `nil`.
    public var int: Int? {
        switch self {
        case .number(let text), .string(let text): return Int(text)
        default: return nil
        }
    }

    /// The elements of an array, or `nil` for any other kind.
    public var array: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    /// Whether the value is JSON `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Follows a dotted path (`"pull_request.head.sha"`) through nested objects.
    public func value(at path: String) -> JSONValue? {
        var current: JSONValue? = self
        for component in path.split(separator: ".") {
            current = current?[String(component)]
        }
        return current
    }
}
