import C8STestSupport
import Foundation

/// The repository root (this file is `Tests/C8SIntegrationTests/E2EImages.swift`).
/// The images the scenarios use, named once in `config/e2e/images.env` (shared with `scripts/e2e.sh`); an
/// environment variable of the same name overrides a line.
struct E2EImages: Sendable, Hashable {
    /// Every step's image (`C8S_E2E_STEP_IMAGE`).
    var step: String
    /// The clone init container's image (`C8S_E2E_CLONE_IMAGE`).
    var clone: String
    /// The coordinator's image (`C8S_E2E_COORDINATOR_IMAGE`).
    var coordinator: String
    /// The agent's image (`C8S_E2E_AGENT_IMAGE`).
    var agent: String

    static let path = repositoryRoot + "/config/e2e/images.env"

    /// Reads `config/e2e/images.env`; a missing key is an error naming the file and the key.
    static func load(
        path: String = path, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> E2EImages {
        let values = try parse(String(contentsOfFile: path, encoding: .utf8), file: path)
            .merging(environment.filter { $0.key.hasPrefix("C8S_E2E_") && $0.key.hasSuffix("_IMAGE") }) { $1 }
        func value(_ key: String) throws -> String {
            guard let value = values[key], !value.isEmpty else {
                throw IntegrationError("\(path): no value for \(key)")
            }
            return value
        }
        return E2EImages(
            step: try value("C8S_E2E_STEP_IMAGE"), clone: try value("C8S_E2E_CLONE_IMAGE"),
            coordinator: try value("C8S_E2E_COORDINATOR_IMAGE"), agent: try value("C8S_E2E_AGENT_IMAGE"))
    }

    /// `KEY=VALUE` lines; `#` comments and blank lines are skipped; anything else is an error naming the line.
    static func parse(_ text: String, file: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "="), equals != line.startIndex else {
                throw IntegrationError("\(file):\(index + 1): expected KEY=VALUE, found '\(line)'")
            }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return values
    }
}

/// A scenario's setup or expectation that could not be met, with a message naming what.
struct IntegrationError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
