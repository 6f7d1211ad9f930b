import Foundation

/// What `c8s secret create NAME --from-literal K=V --from-file K=PATH` asks for, checked like kubectl checks it.
public struct SecretRequest: Sendable, Hashable {
    public var name: String
    /// Key → value bytes, in key order.
    public var data: [String: [UInt8]]

    public init(name: String, data: [String: [UInt8]]) {
        self.name = name
        self.data = data
    }

    /// Parses the flags; `readFile` reads a `--from-file` path (injected for tests).
    public static func parse(
        name: String, literals: [String], files: [String],
        readFile: (String) -> [UInt8]? = { FileManager.default.contents(atPath: $0).map(Array.init) }
    ) throws(ClientError) -> SecretRequest {
        try ResourceName.validate(name, what: "secret")
        var data: [String: [UInt8]] = [:]
        func add(_ key: String, _ value: [UInt8], flag: String) throws(ClientError) {
            guard isKey(key) else {
                throw .usage("\(flag): invalid key \"\(key)\": use letters, digits, '-', '_' and '.'")
            }
            guard data[key] == nil else { throw .usage("\(flag): the key \"\(key)\" is given twice") }
            data[key] = value
        }
        for literal in literals {
            guard let equals = literal.firstIndex(of: "="), equals != literal.startIndex else {
                throw .usage("--from-literal expects KEY=VALUE, got \"\(literal.prefix { $0 != "=" })\"")
            }
            try add(
                String(literal[..<equals]), Array(literal[literal.index(after: equals)...].utf8),
                flag: "--from-literal")
        }
        for file in files {
            let key: String
            let path: String
            if let equals = file.firstIndex(of: "=") {
                key = String(file[..<equals])
                path = String(file[file.index(after: equals)...])
            } else {
                path = file
                key = (file as NSString).lastPathComponent
            }
            guard let bytes = readFile(path) else { throw .usage("--from-file: cannot read \(path)") }
            try add(key, bytes, flag: "--from-file")
        }
        guard !data.isEmpty else {
            throw .usage("give the secret's values with --from-literal K=V or --from-file K=PATH")
        }
        return SecretRequest(name: name, data: data)
    }

    /// How to use the secret in `.c8s.yaml` (the `secrets:` list of a step), one snippet per key.
    public func usage() -> String {
        var text = "Use it in a step of .c8s.yaml:\n\n    steps:\n      - name: deploy\n        secrets:\n"
        for key in data.keys.sorted() {
            text += "          - {name: \(name), key: \(key), env: \(Self.environmentName(key))}\n"
        }
        text += "\nThe step then reads each value from its environment variable; c8s masks the values in logs.\n"
        return text
    }

    /// A conventional environment variable name for a key: `api-token` → `API_TOKEN`.
    public static func environmentName(_ key: String) -> String {
        var name = String(key.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
        if let first = name.first, first.isNumber { name = "_" + name }
        return name
    }

    static func isKey(_ key: String) -> Bool {
        !key.isEmpty && key.count <= 253 && key != "." && key != ".."
            && key.unicodeScalars.allSatisfy {
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0))
            }
    }
}
