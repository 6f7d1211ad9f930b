import C8SKube
import Foundation

/// `-o json` and `-o yaml` of objects, as kubectl prints them: one object alone, several as a `v1` `List`.
public enum ObjectOutput: String, Sendable, CaseIterable {
    case json, yaml

    /// The output format named by `-o` (nil: not one of json, yaml).
    public init?(flag: String) {
        self.init(rawValue: flag.lowercased())
    }

    /// The text of `objects`; `single` prints the first object alone instead of a List.
    public func render<R: KubeResource>(_ objects: [R], single: Bool) throws -> String {
        let items = try objects.map { try KubeCodec.json($0) }
        let value: JSONValue =
            single && items.count == 1
            ? items[0]
            : .object([
                "apiVersion": "v1", "kind": "List", "items": .array(items),
                "metadata": .object(["resourceVersion": ""]),
            ])
        switch self {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
        case .yaml:
            return YAMLEmitter.emit(value)
        }
    }
}
