import C8SKube
import Testing

@Suite("JSON parser")
struct JSONParserTests {
    @Test func parsesDocuments() throws {
        let value = try JSONParser().parse(
            Array(#" {"a": [1, -2.5e3, true, false, null], "b": {"c": "x\u00e9\ud83d\ude00\n\"q\""}} "#.utf8))
        #expect(value["a"]?.arrayValue?.count == 5)
        #expect(value["a"]?.arrayValue?[1] == .double(-2.5e3))
        #expect(value.value(at: "b.c")?.stringValue == "xé😀\n\"q\"")
        #expect(try JSONParser().parse(Array("-9223372036854775808".utf8)) == .int(.min))
        #expect(try JSONParser().parse(Array("12345678901234567890".utf8)) == .double(12_345_678_901_234_567_890.0))
    }

    @Test(arguments: [
        ("", 0, "unexpected end of input, expected a value"),
        ("{", 1, "expected a string object key"),
        ("[1,]", 3, "unexpected character ']', expected a value"),
        (#"{"a":1,"a":2}"#, 7, "duplicate object key \"a\""),
        ("[01]", 2, "expected ',' or ']' in an array"),
        (#""abc"#, 4, "unterminated string starting at byte 0"),
        (#"{"a":1} x"#, 8, "unexpected data after the JSON value"),
        (#""\ud800""#, 1, "unpaired UTF-16 surrogate in a \\u escape"),
        ("tru", 0, "invalid literal"),
        ("\"a\u{01}\"", 2, "unescaped control character in a string"),
        ("1.e5", 2, "expected a digit after '.'"),
    ])
    func reportsTheByte(input: String, offset: Int, reason: String) {
        #expect(throws: JSONParseError(offset: offset, reason: reason)) { try JSONParser().parse(Array(input.utf8)) }
    }

    @Test func rejectsInvalidUTF8() {
        let bytes: [UInt8] = [0x22, 0x61, 0xC3, 0x28, 0x22]
        #expect(throws: JSONParseError(offset: 0, reason: "invalid UTF-8 in the string starting at byte 0")) {
            try JSONParser().parse(bytes)
        }
    }

    @Test func boundsNesting() {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: JSONParseError.self) { try JSONParser(maximumDepth: 128).parse(Array(deep.utf8)) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect((try? JSONParser(maximumDepth: 128).parse(Array(fine.utf8))) != nil)
    }

    @Test func serializationRoundTrips() throws {
        let value = JSONValue.object([
            "z": .array([.null, .bool(true), .int(3)]), "a": .string("line\n\"quoted\"\u{1}"),
        ])
        #expect(value.serialized == #"{"a":"line\n\"quoted\"\u0001","z":[null,true,3]}"#)
        #expect(try JSONParser().parse(Array(value.serialized.utf8)) == value)
    }
}
