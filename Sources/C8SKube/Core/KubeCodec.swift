import Foundation

/// Decodes objects from the API server (keeping what the typed model does not know) and encodes them back
/// (typed fields laid over the kept object, plus `apiVersion` and `kind`).
public enum KubeCodec {
    /// How objects from the API server are read: a duplicate key keeps its last value, as Go's decoder does; the
    /// nesting bound sits well above any Kubernetes object's.
    public static let parser = JSONParser(maximumDepth: 512, duplicateKeys: .keepLast)

    /// Decodes one object and remembers its JSON in `unknownFields`.
    public static func decode<R: KubeResource>(_ type: R.Type, from data: Data) throws -> R {
        let raw = try parser.parse(data)
        var object = try JSONDecoder().decode(R.self, from: data)
        object.unknownFields = UnknownFields(raw)
        return object
    }

    /// Decodes one object from an already-parsed JSON value.
    public static func decode<R: KubeResource>(_ type: R.Type, from json: JSONValue) throws -> R {
        var object = try JSONDecoder().decode(R.self, from: JSONEncoder().encode(json))
        object.unknownFields = UnknownFields(json)
        return object
    }

    /// The JSON of an object: its typed fields over the object it was read as, with `apiVersion` and `kind`.
    public static func json<R: KubeResource>(_ object: R) throws -> JSONValue {
        var json = try OverlayEncoder().encode(object).overlay(onto: object.unknownFields.raw)
        if case .object = json {} else { json = .object([:]) }
        json["apiVersion"] = .string(R.apiVersion)
        json["kind"] = .string(R.kind)
        return json
    }

    /// The JSON bytes of an object (see `json(_:)`).
    public static func encode<R: KubeResource>(_ object: R) throws -> Data {
        try encode(json(object))
    }

    /// Encodes any JSON value with sorted keys (stable bytes for tests and logs).
    public static func encode(_ json: JSONValue) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(json)
    }
}
