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
