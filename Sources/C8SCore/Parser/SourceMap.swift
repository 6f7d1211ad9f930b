/// Where each field of a parsed pipeline was written, so that validation errors can name a line and column.
///
/// Paths look like `steps[1].timeout`; ``location(of:)`` falls back to the nearest enclosing field.
public struct SourceMap: Sendable, Hashable {
    /// A 1-based position in the file.
    public struct Position: Sendable, Hashable {
        public var line: Int
        public var column: Int

        public init(line: Int, column: Int) {
            self.line = line
            self.column = column
        }
    }

    /// The file the positions refer to.
    public var file: String?
    /// Prefix added by the parser when the pipeline was the `spec` of a `PipelineConfig` object (`spec.`).
    public var pathPrefix: String
    private var values: [String: Position] = [:]
    private var keys: [String: Position] = [:]

    public init(file: String? = nil, pathPrefix: String = "") {
        self.file = file
        self.pathPrefix = pathPrefix
    }

    /// Records where the value of `path` starts.
    public mutating func recordValue(_ path: String, _ position: Position) {
        values[path] = position
    }

    /// Records where the key of `path` starts.
    public mutating func recordKey(_ path: String, _ position: Position) {
        keys[path] = position
    }

    /// Position of the value at `path`, or of the nearest enclosing field that has one.
    public func location(of path: String) -> Position? {
        var current = path
        while true {
            if let position = values[current] ?? keys[current] { return position }
            guard let parent = Self.parent(of: current) else { return values[""] }
            current = parent
        }
    }

    /// Position of the key of `path` (falling back to its value).
    public func keyLocation(of path: String) -> Position? {
        keys[path] ?? location(of: path)
    }

    /// The path of a key called `name` written on `line` (used to name the field of a duplicated key).
    func keyPath(named name: String, onLine line: Int) -> String? {
        keys.filter { $0.value.line == line && ($0.key == name || $0.key.hasSuffix("." + name)) }.map(\.key).min()
    }

    static func parent(of path: String) -> String? {
        guard !path.isEmpty else { return nil }
        if path.hasSuffix("]"), let open = path.lastIndex(of: "[") {
            return String(path[..<open])
        }
        if let dot = path.lastIndex(of: ".") {
            return String(path[..<dot])
        }
        return ""
    }
}
