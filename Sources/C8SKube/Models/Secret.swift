import Foundation

/// core/v1 Secret. `data` values are base64 on the wire; `decodedData` gives the bytes.
public struct Secret: KubeResource, Hashable {
    public static let apiVersion = "v1"
    public static let kind = "Secret"
    public static let plural = "secrets"
    public static let namespaced = true

    public var metadata: ObjectMeta
    public var type: String?
    /// Base64-encoded values.
    public var data: [String: String]?
    /// Plain values; the server merges them into `data` on write.
    public var stringData: [String: String]?
    public var immutable: Bool?
    public var unknownFields = UnknownFields()

    public init(
        metadata: ObjectMeta, type: String? = nil, data: [String: [UInt8]]? = nil,
        stringData: [String: String]? = nil
    ) {
        self.metadata = metadata
        self.type = type
        self.data = data?.mapValues { Data($0).base64EncodedString() }
        self.stringData = stringData
    }

    /// The value of a key, decoded from base64 (nil when absent or invalid).
    public func value(_ key: String) -> [UInt8]? {
        if let encoded = data?[key], let bytes = Data(base64Encoded: encoded) { return Array(bytes) }
        return stringData?[key].map { Array($0.utf8) }
    }
}

/// v1 ResourceQuota.
public struct ResourceQuota: KubeResource, Hashable {
    public static let apiVersion = "v1"
    public static let kind = "ResourceQuota"
    public static let plural = "resourcequotas"
    public static let namespaced = true

    public struct Spec: Codable, Sendable, Hashable {
        public var hard: [String: String]?
        public var scopes: [String]?
        public init(hard: [String: String]? = nil) { self.hard = hard }
    }

    public struct QuotaStatus: Codable, Sendable, Hashable {
        public var hard: [String: String]?
        public var used: [String: String]?
    }

    public var metadata: ObjectMeta
    public var spec: Spec?
    public var status: QuotaStatus?
    public var unknownFields = UnknownFields()

    public init(metadata: ObjectMeta, spec: Spec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}
