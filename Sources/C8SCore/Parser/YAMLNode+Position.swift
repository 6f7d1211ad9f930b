import C8SYAML

extension YAMLNode {
    /// Where the node starts, for error messages.
    var position: SourceMap.Position { SourceMap.Position(line: line, column: column) }
}
