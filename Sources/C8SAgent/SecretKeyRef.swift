import C8SKube

/// A Secret (and optionally one key of it) whose values a Pod can see, and so whose values are masked in its logs.
struct SecretKeyRef: Sendable, Hashable, Comparable {
    /// The Secret's name (in the Pod's namespace).
    var name: String
    /// The key; nil: every key of the Secret (`envFrom`, volumes).
    var key: String?
    /// The Pod starts without it (`optional: true`): a missing Secret or key masks nothing.
    var optional: Bool

    static func < (a: SecretKeyRef, b: SecretKeyRef) -> Bool {
        (a.name, a.key ?? "", a.optional ? 1 : 0) < (b.name, b.key ?? "", b.optional ? 1 : 0)
    }

    /// Every Secret reference of the Pod (pure): env `valueFrom.secretKeyRef`, `envFrom[].secretRef`, `secret`
    /// volumes and `projected` volume sources, of init containers and containers; sorted, without duplicates.
    static func references(inPodSpec spec: JSONValue) -> [SecretKeyRef] {
        var found = Set<SecretKeyRef>()
        let containers = (spec["initContainers"]?.arrayValue ?? []) + (spec["containers"]?.arrayValue ?? [])
        for container in containers {
            for variable in container["env"]?.arrayValue ?? [] {
                guard let reference = variable["valueFrom"]?["secretKeyRef"],
                    let name = reference["name"]?.stringValue, !name.isEmpty
                else { continue }
                found.insert(
                    SecretKeyRef(
                        name: name, key: reference["key"]?.stringValue,
                        optional: reference["optional"]?.boolValue ?? false))
            }
            for source in container["envFrom"]?.arrayValue ?? [] {
                guard let reference = source["secretRef"], let name = reference["name"]?.stringValue, !name.isEmpty
                else { continue }
                found.insert(SecretKeyRef(name: name, key: nil, optional: reference["optional"]?.boolValue ?? false))
            }
        }
        for volume in spec["volumes"]?.arrayValue ?? [] {
            if let secret = volume["secret"], let name = secret["secretName"]?.stringValue, !name.isEmpty {
                found.insert(SecretKeyRef(name: name, key: nil, optional: secret["optional"]?.boolValue ?? false))
            }
            for source in volume["projected"]?["sources"]?.arrayValue ?? [] {
                if let secret = source["secret"], let name = secret["name"]?.stringValue, !name.isEmpty {
                    found.insert(SecretKeyRef(name: name, key: nil, optional: secret["optional"]?.boolValue ?? false))
                }
            }
        }
        return found.sorted()
    }
}
