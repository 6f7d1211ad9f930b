import C8SKube

/// One frame of a watch stream: `{"type": ..., "object": ...}`.
public struct WatchFrame: Sendable {
    /// ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.
    public var type: String
    /// The object (a `Status` for ERROR, a metadata-only object for BOOKMARK).
    public var object: JSONValue

    /// The JSON frame.
    public var frame: JSONValue { ["type": .string(type), "object": object] }
}

/// A change recorded in the event history.
struct StoredEvent: Sendable {
    var type: String
    var storageKey: String
    var namespace: String
    var object: JSONValue
    var oldObject: JSONValue?
    var resourceVersion: UInt64
}
