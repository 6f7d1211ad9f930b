/// A glob pattern for branch names and file paths.
///
/// - `*` matches any run of characters except `/`; `?` one character except `/`;
/// - `**` matches anything including `/`; `**/` matches zero or more whole directories
///   (`docs/**/*.md` matches `docs/a.md` and `docs/x/y/a.md`);
/// - `[abc]`, `[a-z]`, `[!abc]` match one character of (or not of) a class;
/// - `\` escapes the next character.
///
/// Matching is a dynamic program over pattern × text, so it is linear in their product with no
/// exponential backtracking on hostile patterns.
public struct GlobPattern: Sendable, Hashable, CustomStringConvertible {
    private enum Token: Sendable, Hashable {
        case literal(Character)
        case one
        case star
        case globstar
        /// `**/`: empty, or anything ending in `/`.
        case directories
        case characterClass(negated: Bool, items: [ClassItem])
    }

    private enum ClassItem: Sendable, Hashable {
        case single(Character)
        case range(Character, Character)
    }

    /// The pattern as written.
    public let source: String
    private let tokens: [Token]

    /// Compiles `source`; an unterminated `[` is taken literally.
    public init(_ source: String) {
        self.source = source
        tokens = Self.compile(Array(source))
    }

    public var description: String { source }

    private static func compile(_ characters: [Character]) -> [Token] {
        var tokens: [Token] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "\\" where index + 1 < characters.count:
                tokens.append(.literal(characters[index + 1]))
                index += 2
                continue
            case "*":
                if index + 1 < characters.count, characters[index + 1] == "*" {
                    var end = index + 2
                    while end < characters.count, characters[end] == "*" { end += 1 }
                    let atSegmentStart = index == 0 || characters[index - 1] == "/"
                    if atSegmentStart, end < characters.count, characters[end] == "/" {
                        tokens.append(.directories)
                        index = end + 1
                    } else {
                        tokens.append(.globstar)
                        index = end
                    }
                    continue
                }
                tokens.append(.star)
            case "?":
                tokens.append(.one)
            case "[":
                if let (token, next) = compileClass(characters, from: index) {
                    tokens.append(token)
                    index = next
                    continue
                }
                tokens.append(.literal("["))
            default:
                tokens.append(.literal(character))
            }
            index += 1
        }
        return tokens
    }

    private static func compileClass(_ characters: [Character], from start: Int) -> (Token, Int)? {
        var index = start + 1
        var negated = false
        if index < characters.count, characters[index] == "!" || characters[index] == "^" {
            negated = true
            index += 1
        }
        var items: [ClassItem] = []
        var first = true
        while index < characters.count {
            let character = characters[index]
            if character == "]" && !first {
                return (.characterClass(negated: negated, items: items), index + 1)
            }
            first = false
            if index + 2 < characters.count, characters[index + 1] == "-", characters[index + 2] != "]" {
                items.append(.range(character, characters[index + 2]))
                index += 3
            } else {
                items.append(.single(character))
                index += 1
            }
        }
        return nil
    }

    /// Whether the whole of `text` matches the pattern.
    public func matches(_ text: String) -> Bool {
        let characters = Array(text)
        let width = characters.count + 1
        // next[j]: tokens after the current one match characters[j...].
        var next = [Bool](repeating: false, count: width)
        next[characters.count] = true
        var current = [Bool](repeating: false, count: width)
        for token in tokens.reversed() {
            current[characters.count] =
                switch token {
                case .star, .globstar, .directories: next[characters.count]
                default: false
                }
            var endsInSlash = false
            for j in stride(from: characters.count - 1, through: 0, by: -1) {
                let character = characters[j]
                switch token {
                case .literal(let literal): current[j] = character == literal && next[j + 1]
                case .one: current[j] = character != "/" && next[j + 1]
                case .star: current[j] = next[j] || (character != "/" && current[j + 1])
                case .globstar: current[j] = next[j] || current[j + 1]
                case .directories:
                    endsInSlash = endsInSlash || (character == "/" && next[j + 1])
                    current[j] = next[j] || endsInSlash
                case .characterClass(let negated, let items):
                    let inClass = items.contains { item in
                        switch item {
                        case .single(let single): character == single
                        case .range(let low, let high): character >= low && character <= high
                        }
                    }
                    current[j] = character != "/" && inClass != negated && next[j + 1]
                }
            }
            swap(&current, &next)
        }
        return next[0]
    }
}

/// A list of glob patterns where `!pattern` excludes: a value is selected when the list has no
/// positive pattern or one matches it, and no negated pattern matches it. An empty list selects all.
public struct GlobList: Sendable, Hashable {
    public let include: [GlobPattern]
    public let exclude: [GlobPattern]

    public init(_ patterns: [String]) {
        include = patterns.filter { !$0.hasPrefix("!") }.map(GlobPattern.init)
        exclude = patterns.filter { $0.hasPrefix("!") }.map { GlobPattern(String($0.dropFirst())) }
    }

    public var isEmpty: Bool { include.isEmpty && exclude.isEmpty }

    public func selects(_ value: String) -> Bool {
        (include.isEmpty || include.contains { $0.matches(value) }) && !exclude.contains { $0.matches(value) }
    }
}
