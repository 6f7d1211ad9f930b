import C8SKube
import Foundation

/// `propagationPolicy` of a delete.
enum PropagationPolicy: String, Sendable {
    case background = "Background"
    case foreground = "Foreground"
    case orphan = "Orphan"
}

/// Options of a DELETE request (query parameters or a DeleteOptions body).
struct DeleteOptions: Sendable {
    var propagationPolicy: PropagationPolicy?
    var preconditionUID: String?
    var preconditionResourceVersion: String?
}

extension APIState {
    static let foregroundFinalizer = "foregroundDeletion"

    // MARK: Delete

    /// DELETE: removes the object, or marks it with deletionTimestamp while finalizers remain; cascades to
    /// dependents through ownerReferences per the propagation policy.
    mutating func delete(type: ResourceType, namespace: String?, name: String, options: DeleteOptions) throws
        -> WriteResult
    {
        guard var object = object(type, namespace: namespace, name: name) else { throw APIError.notFound(type, name) }
        if let uid = options.preconditionUID, uid != Self.uid(of: object) {
            throw APIError.conflict(
                type, name,
                "Precondition failed: UID in precondition: \(uid), UID in object meta: \(Self.uid(of: object))")
        }
        let currentRV = object[path: ["metadata", "resourceVersion"]]?.stringValue ?? ""
        if let rv = options.preconditionResourceVersion, rv != currentRV {
            throw APIError.conflict(
                type, name,
                "Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object meta: "
                    + currentRV)
        }
        let policy = options.propagationPolicy ?? (type.orphansByDefault ? .orphan : .background)
        let uid = Self.uid(of: object)
        if policy == .orphan {
            orphanDependents(of: uid)
        }
        let isNamespace = type.storageKey == "/namespaces"
        var finalizers = Self.finalizers(of: object)
        if policy == .foreground, !finalizers.contains(Self.foregroundFinalizer) {
            finalizers.append(Self.foregroundFinalizer)
        }
        let deleting = object[path: ["metadata", "deletionTimestamp"]] != nil
        if finalizers.isEmpty && !isNamespace {
            return WriteResult(object: remove(type, object), deleted: true)
        }
        if !deleting || finalizers != Self.finalizers(of: object) {
            let old = object
            if !finalizers.isEmpty {
                object.set(path: ["metadata", "finalizers"], to: .array(finalizers.map { .string($0) }))
            }
            if !deleting {
                object.set(path: ["metadata", "deletionTimestamp"], to: .string(Self.timestamp()))
                object.set(path: ["metadata", "deletionGracePeriodSeconds"], to: 0)
                if type.tracksGeneration {
                    let generation = object[path: ["metadata", "generation"]]?.intValue ?? 0
                    object.set(path: ["metadata", "generation"], to: .int(generation + 1))
                }
                if isNamespace { object.set(path: ["status", "phase"], to: "Terminating") }
            }
            object = store(type, object, eventType: "MODIFIED", old: old)
        }
        if isNamespace {
            for (dependentType, dependent) in allObjects()
            where dependentType.namespaced && Self.namespace(of: dependent) == name {
                _ = try? delete(
                    type: dependentType, namespace: name, name: Self.name(of: dependent),
                    options: DeleteOptions(propagationPolicy: .background))
            }
        }
        if policy == .foreground {
            for (dependentType, dependent, reference) in dependents(of: uid) {
                let blocking = reference["blockOwnerDeletion"]?.boolValue == true
                _ = try? delete(
                    type: dependentType, namespace: Self.namespace(of: dependent), name: Self.name(of: dependent),
                    options: DeleteOptions(propagationPolicy: blocking ? .foreground : .background))
            }
        }
        collectGarbage()
        let current = self.object(type, namespace: namespace, name: name)
        return WriteResult(object: current ?? object, deleted: current == nil)
    }

    /// Removes an object for good: DELETED event, then dependents and waiting owners are processed.
    @discardableResult
    mutating func remove(_ type: ResourceType, _ object: JSONValue) -> JSONValue {
        var object = object
        let rv = nextResourceVersion()
        object.set(path: ["metadata", "resourceVersion"], to: .string(String(rv)))
        let namespace = type.namespaced ? Self.namespace(of: object) : nil
        let name = Self.name(of: object)
        objects[type.storageKey]?.removeValue(forKey: Self.key(namespace: namespace, name: name))
        emit(
            StoredEvent(
                type: "DELETED", storageKey: type.storageKey, namespace: namespace ?? "", object: object,
                oldObject: nil, resourceVersion: rv))
        if type.storageKey == "apiextensions.k8s.io/customresourcedefinitions",
            let resource = ResourceType.fromCRD(object)
        {
            for instance in (objects[resource.storageKey] ?? [:]).keys.sorted().compactMap({
                objects[resource.storageKey]?[$0]
            }) {
                remove(resource, instance)
            }
            types.removeValue(forKey: resource.storageKey)
            objects.removeValue(forKey: resource.storageKey)
            for (id, watcher) in watchers where !dryRun && watcher.filter.type.storageKey == resource.storageKey {
                stopWatch(id)
            }
        }
        let uid = Self.uid(of: object)
        for (dependentType, dependent, _) in dependents(of: uid) {
            collectDependent(dependentType, dependent, goneOwner: uid)
        }
        collectGarbage()
        return object
    }

    /// Objects whose ownerReferences name `uid`, with the reference.
    func dependents(of uid: String) -> [(ResourceType, JSONValue, JSONValue)] {
        guard !uid.isEmpty else { return [] }
        var result: [(ResourceType, JSONValue, JSONValue)] = []
        for (type, object) in allObjects() {
            for reference in object[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []
            where reference["uid"]?.stringValue == uid {
                result.append((type, object, reference))
            }
        }
        return result
    }

    func exists(uid: String) -> Bool {
        allObjects().contains { Self.uid(of: $0.1) == uid }
    }

    /// A dependent whose owner is gone: deleted (background) unless another owner still exists, in which case
    /// only the dangling reference is removed.
    private mutating func collectDependent(_ type: ResourceType, _ dependent: JSONValue, goneOwner: String) {
        let references = dependent[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []
        let remaining = references.filter { $0["uid"]?.stringValue != goneOwner }
        let liveOwners = remaining.filter { exists(uid: $0["uid"]?.stringValue ?? "") }
        if liveOwners.isEmpty {
            _ = try? delete(
                type: type, namespace: Self.namespace(of: dependent), name: Self.name(of: dependent),
                options: DeleteOptions(propagationPolicy: .background))
        } else {
            var updated = dependent
            updated.set(path: ["metadata", "ownerReferences"], to: .array(remaining))
            store(type, updated, eventType: "MODIFIED", old: dependent)
        }
    }

    /// Orphan propagation: removes the owner's reference from every dependent.
    private mutating func orphanDependents(of uid: String) {
        for (type, dependent, _) in dependents(of: uid) {
            var updated = dependent
            let remaining = (dependent[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).filter {
                $0["uid"]?.stringValue != uid
            }
            updated.set(path: ["metadata", "ownerReferences"], to: remaining.isEmpty ? nil : .array(remaining))
            store(type, updated, eventType: "MODIFIED", old: dependent)
        }
    }

    /// Finishes foreground deletions whose blocking dependents are gone and terminating namespaces that are empty.
    mutating func collectGarbage() {
        for (type, object) in allObjects() where object[path: ["metadata", "deletionTimestamp"]] != nil {
            let finalizers = Self.finalizers(of: object)
            if finalizers.contains(Self.foregroundFinalizer) {
                let blocking = dependents(of: Self.uid(of: object)).contains {
                    $0.2["blockOwnerDeletion"]?.boolValue == true
                }
                guard !blocking,
                    let current = self.object(type, namespace: Self.namespace(of: object), name: Self.name(of: object))
                else { continue }
                let rest = Self.finalizers(of: current).filter { $0 != Self.foregroundFinalizer }
                var updated = current
                updated.set(
                    path: ["metadata", "finalizers"], to: rest.isEmpty ? nil : .array(rest.map { .string($0) }))
                if rest.isEmpty {
                    remove(type, updated)
                } else {
                    store(type, updated, eventType: "MODIFIED", old: current)
                }
            } else if type.storageKey == "/namespaces" {
                let name = Self.name(of: object)
                let hasContent = allObjects().contains { $0.0.namespaced && Self.namespace(of: $0.1) == name }
                if !hasContent, self.object(type, namespace: nil, name: name) != nil {
                    remove(type, object)
                }
            }
        }
    }
}
