extension JSONValue {
    /// Parses a complete JSON document with `parser` (strict, depth-bounded by default; see ``JSONParser``).
    public init(parsing bytes: some Collection<UInt8>, parser: JSONParser = JSONParser()) throws(JSONParseError) {
        self = try parser.parse(bytes)
    }

    /// Parses a complete JSON document from a string.
    public init(parsing text: String, parser: JSONParser = JSONParser()) throws(JSONParseError) {
        self = try parser.parse(Array(text.utf8))
    }
}
