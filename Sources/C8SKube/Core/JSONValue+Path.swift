extension JSONValue {
    /// The value at a path of object keys, or nil.
    public subscript(path path: [String]) -> JSONValue? {
        var current: JSONValue? = self
        for key in path {
            current = current?[key]
        }
        return current
    }

    /// Follows a dotted path (`"pull_request.head.sha"`) through nested objects.
    public func value(at dottedPath: String) -> JSONValue? {
        var current: JSONValue? = self
        for component in dottedPath.split(separator: ".") {
            current = current?[String(component)]
        }
        return current
    }

    /// Sets (or with nil removes) the value at a path of object keys, creating intermediate objects.
    public mutating func set(path: [String], to value: JSONValue?) {
        guard let first = path.first else {
            self = value ?? .null
            return
        }
        guard case .object(var members) = self else { return }
        if path.count == 1 {
            members[first] = value
        } else {
            var child = members[first] ?? .object([:])
            if child.objectValue == nil { child = .object([:]) }
            child.set(path: Array(path.dropFirst()), to: value)
            members[first] = child
        }
        self = .object(members)
    }

    /// A short type name used in validation messages ("string", "integer", "object", ...).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}
