import C8SKube

extension JSONValue {
    /// Compact JSON text; object keys sorted so the output is deterministic. A number that is not finite (JSON has
    /// none) is written as `null`.
    package var compactJSON: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .double(let value): out += value.isFinite ? "\(value)" : "null"
        case .string(let text): out += WebhookResponse.quote(text)
        case .array(let values):
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += "," }
                value.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                out += WebhookResponse.quote(key) + ":"
                members[key]!.write(to: &out)
            }
            out += "}"
        }
    }
}
