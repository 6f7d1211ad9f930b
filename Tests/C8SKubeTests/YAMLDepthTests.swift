import Testing

@testable import C8SKube

@Suite struct YAMLDepthTests {
    @Test(arguments: [
        String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000),
        String(repeating: "{a: ", count: 50_000) + "x" + String(repeating: "}", count: 50_000),
    ])
    func deepDocumentsAreRefusedNotACrash(_ text: String) {
        #expect(throws: YAMLReader.SyntaxError.self) { try YAMLReader.read(text) }
        do {
            _ = try YAMLReader.read(text)
        } catch {
            #expect("\(error)".contains("nested more than 64 levels deep"))
        }
    }

    @Test func nestingWithinTheLimitReads() throws {
        let text = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try YAMLReader.read(text) != .null)
    }
}

@Suite struct YAMLAliasDepthTests {
    /// Each alias puts a 40-deep list inside another 40 levels: the tree it would build nests 80 levels.
    @Test func aliasesCannotNestDeeperThanTheLimit() {
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        let text = "a: &x \(deep)\nb: " + String(repeating: "[", count: 40) + "*x" + String(repeating: "]", count: 40)
        do {
            _ = try YAMLReader.read(text)
            Issue.record("an 80-deep tree through an alias was read")
        } catch {
            #expect("\(error)".contains("(through aliases) are nested more than 64 levels deep"))
        }
    }

    @Test func duplicateKeysNameTheirFirstLine() {
        #expect(throws: YAMLReader.SyntaxError.self) { try YAMLReader.read("a: 1\nb: 2\na: 3\n") }
        do {
            _ = try YAMLReader.read("a: 1\nb: 2\na: 3\n")
        } catch {
            #expect("\(error)" == "line 3, column 1: duplicate key \"a\" (first given on line 1)")
        }
    }
}
