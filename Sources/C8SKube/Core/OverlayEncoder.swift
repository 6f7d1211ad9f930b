/// Encodes a typed value into a tree that remembers which objects are Swift structs (merged member by member over
/// the object read from the server) and which are dictionaries or `JSONValue`s (replaced whole), and which known
/// optional fields are nil (removed from the result). `overlay(onto:)` then yields the JSON to send.
package enum OverlayNode: Sendable {
    /// A known field whose value is nil.
    case absent
    case value(JSONValue)
    case structure([String: OverlayNode])
    case dictionary([String: OverlayNode])
    case array([OverlayNode])

    /// The plain JSON of this node (absent members dropped).
    package var json: JSONValue {
        switch self {
        case .absent: return .null
        case .value(let value): return value
        case .structure(let members), .dictionary(let members):
            return .object(
                members.compactMapValues { node in
                    if case .absent = node { return nil }
                    return node.json
                })
        case .array(let items): return .array(items.map(\.json))
        }
    }

    /// The JSON of this node laid over `base`: struct members replace or remove the base's members of the same
    /// name and keep the others; array elements merge with the base element of the same `name` (or `type`), or
    /// of the same index; everything else replaces the base.
    package func overlay(onto base: JSONValue?) -> JSONValue {
        switch self {
        case .structure(let members):
            guard case .object(var result)? = base else { return json }
            for (key, node) in members {
                if case .absent = node {
                    result[key] = nil
                } else {
                    result[key] = node.overlay(onto: result[key])
                }
            }
            return .object(result)
        case .array(let items):
            guard case .array(let baseItems)? = base else { return json }
            return .array(
                items.enumerated().map { index, node in
                    node.overlay(
                        onto: Self.match(node, in: baseItems, index: index, sameCount: items.count == baseItems.count))
                })
        default:
            return json
        }
    }

    private static func match(_ node: OverlayNode, in base: [JSONValue], index: Int, sameCount: Bool) -> JSONValue? {
        guard case .structure(let members) = node else { return nil }
        for key in ["name", "type"] {
            if case .value(let identity)? = members[key] {
                return base.first { $0[key] == identity }
            }
        }
        return sameCount && index < base.count ? base[index] : nil
    }
}

/// Marks `[String: V]` so the encoder can tell a dictionary from a struct.
private protocol StringKeyedDictionary {}
extension Dictionary: StringKeyedDictionary where Key == String {}

/// The encoder behind `OverlayNode`.
package struct OverlayEncoder {
    package init() {}

    package func encode<T: Encodable>(_ value: T) throws -> OverlayNode {
        let ref = NodeRef()
        try ref.store(value, codingPath: [])
        return ref.finish()
    }
}

private final class NodeRef {
    enum State {
        case empty
        case leaf(OverlayNode)
        case keyed([String: NodeRef], dictionary: Bool)
        case unkeyed([NodeRef])
    }

    var state = State.empty

    func finish() -> OverlayNode {
        switch state {
        case .empty: return .structure([:])
        case .leaf(let node): return node
        case .keyed(let members, let dictionary):
            let nodes = members.mapValues { $0.finish() }
            return dictionary ? .dictionary(nodes) : .structure(nodes)
        case .unkeyed(let items): return .array(items.map { $0.finish() })
        }
    }

    func store<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws {
        switch value {
        case let json as JSONValue: state = .leaf(.value(json))
        case let text as String: state = .leaf(.value(.string(text)))
        case let flag as Bool: state = .leaf(.value(.bool(flag)))
        case let number as Int: state = .leaf(.value(.int(Int64(number))))
        case let number as Int32: state = .leaf(.value(.int(Int64(number))))
        case let number as Int64: state = .leaf(.value(.int(number)))
        case let number as Double: state = .leaf(.value(.double(number)))
        default:
            try value.encode(to: NodeEncoder(ref: self, codingPath: codingPath))
            if value is any StringKeyedDictionary, case .keyed(let members, _) = state {
                state = .keyed(members, dictionary: true)
            }
        }
    }

    func member(_ key: String) -> NodeRef {
        var members: [String: NodeRef] = [:]
        var dictionary = false
        if case .keyed(let existing, let isDictionary) = state {
            members = existing
            dictionary = isDictionary
        }
        let ref = NodeRef()
        members[key] = ref
        state = .keyed(members, dictionary: dictionary)
        return ref
    }

    func appendElement() -> NodeRef {
        var items: [NodeRef] = []
        if case .unkeyed(let existing) = state { items = existing }
        let ref = NodeRef()
        items.append(ref)
        state = .unkeyed(items)
        return ref
    }
}

private struct NodeEncoder: Encoder {
    let ref: NodeRef
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .keyed = ref.state {} else { ref.state = .keyed([:], dictionary: false) }
        return KeyedEncodingContainer(KeyedNodeContainer<Key>(ref: ref, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .unkeyed = ref.state {} else { ref.state = .unkeyed([]) }
        return UnkeyedNodeContainer(ref: ref, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleNodeContainer(ref: ref, codingPath: codingPath)
    }
}

private struct KeyedNodeContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let ref: NodeRef
    var codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { ref.member(key.stringValue).state = .leaf(.value(.null)) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try ref.member(key.stringValue).store(value, codingPath: codingPath + [key])
    }

    private mutating func encodeOptional<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value {
            try encode(value, forKey: key)
        } else {
            ref.member(key.stringValue).state = .leaf(.absent)
        }
    }

    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        try encodeOptional(value, forKey: key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        NodeEncoder(ref: ref.member(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        NodeEncoder(ref: ref.member(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { NodeEncoder(ref: ref.member("super"), codingPath: codingPath) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        NodeEncoder(ref: ref.member(key.stringValue), codingPath: codingPath + [key])
    }
}

private struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { String(intValue ?? 0) }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct UnkeyedNodeContainer: UnkeyedEncodingContainer {
    let ref: NodeRef
    var codingPath: [any CodingKey]
    var count: Int {
        if case .unkeyed(let items) = ref.state { return items.count }
        return 0
    }

    mutating func encodeNil() throws { ref.appendElement().state = .leaf(.value(.null)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = codingPath + [IndexKey(count)]
        try ref.appendElement().store(value, codingPath: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        NodeEncoder(ref: ref.appendElement(), codingPath: codingPath).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        NodeEncoder(ref: ref.appendElement(), codingPath: codingPath).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { NodeEncoder(ref: ref.appendElement(), codingPath: codingPath) }
}

private struct SingleNodeContainer: SingleValueEncodingContainer {
    let ref: NodeRef
    var codingPath: [any CodingKey]

    mutating func encodeNil() throws { ref.state = .leaf(.value(.null)) }

    mutating func encode<T: Encodable>(_ value: T) throws { try ref.store(value, codingPath: codingPath) }

    mutating func encode(_ value: Bool) throws { ref.state = .leaf(.value(.bool(value))) }
    mutating func encode(_ value: String) throws { ref.state = .leaf(.value(.string(value))) }
    mutating func encode(_ value: Double) throws { ref.state = .leaf(.value(.double(value))) }
    mutating func encode(_ value: Int) throws { ref.state = .leaf(.value(.int(Int64(value)))) }
    mutating func encode(_ value: Int32) throws { ref.state = .leaf(.value(.int(Int64(value)))) }
    mutating func encode(_ value: Int64) throws { ref.state = .leaf(.value(.int(value))) }
    mutating func encode(_ value: Float) throws { ref.state = .leaf(.value(.double(Double(value)))) }
    mutating func encode(_ value: Int8) throws { ref.state = .leaf(.value(.int(Int64(value)))) }
    mutating func encode(_ value: Int16) throws { ref.state = .leaf(.value(.int(Int64(value)))) }
    mutating func encode(_ value: UInt) throws { ref.state = .leaf(.value(.int(Int64(value)))) }
    mutating func encode(_ value: UInt8) throws { ref.state = .leaf(.value(.int(Int64(value)))) }
    mutating func encode(_ value: UInt16) throws { ref.state = .leaf(.value(.int(Int64(value)))) }
    mutating func encode(_ value: UInt32) throws { ref.state = .leaf(.value(.int(Int64(value)))) }
    mutating func encode(_ value: UInt64) throws { ref.state = .leaf(.value(.int(Int64(clamping: value)))) }
}
