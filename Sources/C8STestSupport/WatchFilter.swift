import C8SKube

/// What one watch wants to see.
struct WatchFilter: Sendable {
    var type: ResourceType
    var namespace: String?
    var name: String?
    var labels: LabelSelector?
    var fields: FieldSelector?

    func matches(_ object: JSONValue) -> Bool {
        if let name, object[path: ["metadata", "name"]]?.stringValue != name { return false }
        if let labels {
            let objectLabels = (object[path: ["metadata", "labels"]]?.objectValue ?? [:]).compactMapValues(
                \.stringValue)
            if !labels.matches(objectLabels) { return false }
        }
        if let fields, !fields.matches(object) { return false }
        return true
    }

    /// The event this watch sees for a stored event, with selector transitions turned into ADDED/DELETED.
    func translate(_ event: StoredEvent) -> WatchFrame? {
        guard event.storageKey == type.storageKey else { return nil }
        if let namespace, event.namespace != namespace { return nil }
        let now = matches(event.object)
        switch event.type {
        case "MODIFIED":
            let before = event.oldObject.map(matches) ?? false
            switch (before, now) {
            case (true, true): return WatchFrame(type: "MODIFIED", object: event.object)
            case (false, true): return WatchFrame(type: "ADDED", object: event.object)
            case (true, false): return WatchFrame(type: "DELETED", object: event.object)
            case (false, false): return nil
            }
        default:
            return now ? WatchFrame(type: event.type, object: event.object) : nil
        }
    }
}
