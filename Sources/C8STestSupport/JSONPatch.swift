import C8SKube
import Foundation

/// Why a patch could not be applied.
public struct PatchError: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String
}

/// JSON merge patch (RFC 7386) and JSON patch (RFC 6902) on `JSONValue`. Pure functions.
public enum JSONPatch {
    /// Applies an RFC 7386 merge patch: objects merge recursively, `null` removes, anything else replaces.
    public static func mergePatch(_ target: JSONValue, with patch: JSONValue) -> JSONValue {
        guard case .object(let patchMembers) = patch else { return patch }
        var result = target.objectValue ?? [:]
        for (key, value) in patchMembers {
            if value.isNull {
                result.removeValue(forKey: key)
            } else {
                result[key] = mergePatch(result[key] ?? .null, with: value)
            }
        }
        return .object(result)
    }

    /// Applies an RFC 6902 JSON patch (add, remove, replace, move, copy, test).
    public static func apply(_ operations: JSONValue, to document: JSONValue) throws -> JSONValue {
        guard let list = operations.arrayValue else {
            throw PatchError(description: "a JSON patch must be an array of operations")
        }
        var result = document
        for (index, operation) in list.enumerated() {
            guard let op = operation["op"]?.stringValue else {
                throw PatchError(description: "operation \(index) has no \"op\"")
            }
            guard let path = operation["path"]?.stringValue else {
                throw PatchError(description: "operation \(index) (\(op)) has no \"path\"")
            }
            let tokens = try pointer(path)
            switch op {
            case "add":
                guard let value = operation["value"] else { throw PatchError(description: "add at \(path): no value") }
                result = try add(value, at: tokens, in: result, path: path)
            case "remove":
                result = try remove(at: tokens, in: result, path: path).document
            case "replace":
                guard let value = operation["value"] else {
                    throw PatchError(description: "replace at \(path): no value")
                }
                result = try remove(at: tokens, in: result, path: path).document
                result = try add(value, at: tokens, in: result, path: path)
            case "move", "copy":
                guard let from = operation["from"]?.stringValue else {
                    throw PatchError(description: "\(op) to \(path): no \"from\"")
                }
                let fromTokens = try pointer(from)
                guard let value = get(fromTokens, in: result) else {
                    throw PatchError(description: "\(op) from \(from): no such path")
                }
                if op == "move" {
                    result = try remove(at: fromTokens, in: result, path: from).document
                }
                result = try add(value, at: tokens, in: result, path: path)
            case "test":
                let expected = operation["value"] ?? .null
                guard let actual = get(tokens, in: result), actual.jsonEquals(expected) else {
                    throw PatchError(description: "test at \(path) failed: value does not match")
                }
            default:
                throw PatchError(description: "operation \(index): unknown op \"\(op)\"")
            }
        }
        return result
    }

    static func pointer(_ path: String) throws -> [String] {
        if path.isEmpty { return [] }
        guard path.hasPrefix("/") else { throw PatchError(description: "invalid JSON pointer \"\(path)\"") }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    static func get(_ tokens: [String], in document: JSONValue) -> JSONValue? {
        var current = document
        for token in tokens {
            switch current {
            case .object(let members):
                guard let next = members[token] else { return nil }
                current = next
            case .array(let elements):
                guard let index = Int(token), elements.indices.contains(index) else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    private static func add(_ value: JSONValue, at tokens: [String], in document: JSONValue, path: String) throws
        -> JSONValue
    {
        guard let first = tokens.first else { return value }
        let rest = Array(tokens.dropFirst())
        switch document {
        case .object(var members):
            if rest.isEmpty {
                members[first] = value
            } else {
                guard let child = members[first] else { throw PatchError(description: "add at \(path): no such path") }
                members[first] = try add(value, at: rest, in: child, path: path)
            }
            return .object(members)
        case .array(var elements):
            if rest.isEmpty {
                if first == "-" {
                    elements.append(value)
                } else {
                    guard let index = Int(first), index >= 0, index <= elements.count else {
                        throw PatchError(description: "add at \(path): index out of range")
                    }
                    elements.insert(value, at: index)
                }
            } else {
                guard let index = Int(first), elements.indices.contains(index) else {
                    throw PatchError(description: "add at \(path): index out of range")
                }
                elements[index] = try add(value, at: rest, in: elements[index], path: path)
            }
            return .array(elements)
        default:
            throw PatchError(description: "add at \(path): parent is not an object or array")
        }
    }

    private static func remove(at tokens: [String], in document: JSONValue, path: String) throws
        -> (document: JSONValue, removed: JSONValue)
    {
        guard let first = tokens.first else { throw PatchError(description: "cannot remove the whole document") }
        let rest = Array(tokens.dropFirst())
        switch document {
        case .object(var members):
            guard let child = members[first] else { throw PatchError(description: "remove at \(path): no such path") }
            if rest.isEmpty {
                members.removeValue(forKey: first)
                return (.object(members), child)
            }
            let (updated, removed) = try remove(at: rest, in: child, path: path)
            members[first] = updated
            return (.object(members), removed)
        case .array(var elements):
            guard let index = Int(first), elements.indices.contains(index) else {
                throw PatchError(description: "remove at \(path): index out of range")
            }
            if rest.isEmpty {
                let removed = elements.remove(at: index)
                return (.array(elements), removed)
            }
            let (updated, removed) = try remove(at: rest, in: elements[index], path: path)
            elements[index] = updated
            return (.array(elements), removed)
        default:
            throw PatchError(description: "remove at \(path): no such path")
        }
    }
}
