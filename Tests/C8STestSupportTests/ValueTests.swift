import C8SKube
import C8STestSupport
import Testing

/// The pure building blocks: JSON, YAML, patches and selectors.
@Suite struct ValueTests {
    @Test func jsonRoundTripKeepsIntegersExact() throws {
        let text = #"{"a":[1,2.5,-3e2,true,null],"b":"x\n\"y\" \u00e9 \ud83d\ude00","big":9007199254740993}"#
        let value = try JSONValue(parsing: text)
        #expect(value["big"] == .int(9_007_199_254_740_993))
        #expect(value["a"]?.arrayValue?[2] == .double(-300))
        #expect(value["b"] == .string("x\n\"y\" é 😀"))
        #expect(try JSONValue(parsing: value.serialized).jsonEquals(value))
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: "{\"a\":}") }
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: "[1] x") }
    }

    @Test func yamlResolvesScalarsLikeKubernetes() throws {
        let documents = try YAMLDocuments.load(
            """
            a: 1
            b: "1"
            c: true
            d: ~
            e: 1.5
            f: [x, 'y']
            ---
            second: {k: v}
            """)
        #expect(documents.count == 2)
        #expect(documents[0] == ["a": 1, "b": "1", "c": true, "d": nil, "e": 1.5, "f": ["x", "y"]])
        #expect(documents[1] == ["second": ["k": "v"]])
        #expect(throws: YAMLLoadError.self) { try YAMLDocuments.load("a: 1\na: 2\n") }
        #expect(throws: YAMLLoadError.self) { try YAMLDocuments.load("a: &x [1]\nb: *x\n") }
    }

    @Test func mergePatchFollowsRFC7386() {
        let target: JSONValue = ["a": "b", "c": ["d": "e", "f": "g"], "list": [1, 2]]
        let patch: JSONValue = ["a": "z", "c": ["f": nil], "list": [3]]
        #expect(JSONPatch.mergePatch(target, with: patch) == ["a": "z", "c": ["d": "e"], "list": [3]])
        #expect(
            JSONPatch.mergePatch(target, with: ["a": ["x": nil]]) == [
                "a": [:], "c": ["d": "e", "f": "g"], "list": [1, 2],
            ])
    }

    @Test func jsonPatchFollowsRFC6902() throws {
        let document: JSONValue = ["foo": ["bar", "baz"], "a/b": 1]
        let patched = try JSONPatch.apply(
            [
                ["op": "add", "path": "/foo/1", "value": "qux"],
                ["op": "add", "path": "/foo/-", "value": "end"],
                ["op": "replace", "path": "/a~1b", "value": 2],
                ["op": "test", "path": "/a~1b", "value": 2.0],
                ["op": "move", "from": "/foo/0", "path": "/first"],
                ["op": "copy", "from": "/first", "path": "/again"],
                ["op": "remove", "path": "/again"],
            ], to: document)
        #expect(patched == ["foo": ["qux", "baz", "end"], "a/b": 2, "first": "bar"])
        #expect(throws: PatchError.self) { try JSONPatch.apply([["op": "remove", "path": "/missing"]], to: document) }
        #expect(throws: PatchError.self) {
            try JSONPatch.apply([["op": "test", "path": "/a~1b", "value": 5]], to: document)
        }
    }

    @Test func labelSelectorSyntax() throws {
        let labels = ["app": "web", "tier": "front"]
        #expect(try LabelSelector(parsing: "app=web,tier in (front, back)").matches(labels))
        #expect(try LabelSelector(parsing: "app==web,!missing,tier").matches(labels))
        #expect(!(try LabelSelector(parsing: "app!=web").matches(labels)))
        #expect(!(try LabelSelector(parsing: "tier notin (front)").matches(labels)))
        #expect(try LabelSelector(parsing: "other notin (x)").matches(labels))
        #expect(try LabelSelector(parsing: "").matches(labels))
        #expect(throws: SelectorError.self) { try LabelSelector(parsing: "app in front") }
    }

    @Test func fieldSelectorSyntax() throws {
        let pod: JSONValue = ["metadata": ["name": "p"], "spec": ["nodeName": "n1"], "status": ["phase": "Running"]]
        #expect(try FieldSelector(parsing: "spec.nodeName=n1,status.phase!=Failed").matches(pod))
        #expect(!(try FieldSelector(parsing: "metadata.name==q").matches(pod)))
        #expect(try FieldSelector(parsing: "spec.missing=").matches(pod))
    }
}
