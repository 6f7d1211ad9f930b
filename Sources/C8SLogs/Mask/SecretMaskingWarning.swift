/// Why a secret (or one line of a multi-line secret) is not masked. Printable; never contains the secret's value.
public struct SecretMaskingWarning: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Hashable {
        case tooShort
        case lineTooShort(line: Int)
    }

    private let code: Code
    /// The secret's name (for example `codecov/token`), never its value.
    public let secretName: String

    /// The whole secret is shorter than ``SecretMasker/minimumLength`` characters and is not masked at all.
    public static func tooShort(secretName: String) -> Self { Self(code: .tooShort, secretName: secretName) }

    /// Line `line` (1-based) of a multi-line secret is shorter than the minimum and is not masked on its own.
    public static func lineTooShort(secretName: String, line: Int) -> Self {
        Self(code: .lineTooShort(line: line), secretName: secretName)
    }

    /// True when the whole secret was refused.
    public var refusesWholeSecret: Bool { code == .tooShort }

    public var description: String {
        switch code {
        case .tooShort:
            return "secret \(secretName) is shorter than \(SecretMasker.minimumLength) characters and cannot be "
                + "masked safely: it is NOT masked in logs; use a longer secret value"
        case .lineTooShort(let line):
            return "line \(line) of multi-line secret \(secretName) is shorter than \(SecretMasker.minimumLength) "
                + "characters and is not masked on its own; its other lines are masked"
        }
    }
}
