/// The object a typed resource was decoded from, kept so that fields the typed model does not know survive an
/// update: `KubeCodec` encodes the typed fields over it. Never part of the JSON itself.
public struct UnknownFields: Sendable, Hashable {
    /// The whole object as last read from the API server (`null` for objects built in code).
    public var raw: JSONValue

    public init(_ raw: JSONValue = .null) { self.raw = raw }
}

extension UnknownFields: Codable {
    /// Not read from JSON: `KubeCodec` fills it in.
    public init(from decoder: any Decoder) throws { self.init() }
    /// Not written to JSON: `KubeCodec` merges it.
    public func encode(to encoder: any Encoder) throws {}
}

extension KeyedDecodingContainer {
    /// A property of type `UnknownFields` is never a JSON member: synthesized decoders leave it empty.
    public func decode(_ type: UnknownFields.Type, forKey key: Key) throws -> UnknownFields { UnknownFields() }
}

extension KeyedEncodingContainer {
    /// A property of type `UnknownFields` is never a JSON member: synthesized encoders skip it.
    public mutating func encode(_ value: UnknownFields, forKey key: Key) throws {}
}
