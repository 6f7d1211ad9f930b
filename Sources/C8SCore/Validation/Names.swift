/// Syntax checks for the names a pipeline uses.
package enum Names {
    /// A DNS-1123 label: at most 63 characters of `a-z`, `0-9` and `-`, starting and ending alphanumeric.
    package static func isDNSLabel(_ name: String) -> Bool {
        guard !name.isEmpty, name.count <= 63 else { return false }
        let characters = Array(name.utf8)
        let allowed = characters.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
        return allowed && characters.first != 45 && characters.last != 45
    }

    /// A DNS-1123 subdomain: dot-separated labels, at most 253 characters (Kubernetes object names).
    package static func isDNSSubdomain(_ name: String) -> Bool {
        guard !name.isEmpty, name.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isDNSLabel(String($0)) }
    }

    /// An environment variable name: a letter or `_`, then letters, digits or `_`.
    package static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(first >= 48 && first <= 57) else { return false }
        return name.utf8.allSatisfy {
            ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95
        }
    }

    /// A key inside a Kubernetes Secret: letters, digits, `-`, `_` and `.`.
    package static func isSecretKey(_ key: String) -> Bool {
        !key.isEmpty && key.count <= 253
            && key.utf8.allSatisfy {
                ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 95
                    || $0 == 46
            }
    }

    /// A matrix axis name: letters, digits, `_` and `-`, not `exclude` or `include`.
    package static func isAxisName(_ name: String) -> Bool {
        !name.isEmpty && !MatrixSpec.reservedKeys.contains(name)
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }
}
