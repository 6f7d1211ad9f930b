import C8SVersion
import Testing

@Suite struct BuildVersionTests {
    @Test func currentIsStampedWithValidFields() {
        let current = BuildVersion.current
        #expect(BuildVersion.isValidField(current.version), "\(current)")
        #expect(BuildVersion.isValidField(current.revision), "\(current)")
        #expect(current.description == "\(current.version) (revision \(current.revision))")
    }

    @Test func jsonRoundTrips() throws {
        let version = BuildVersion(version: "0.1.0-rc.1", revision: "3f2a9c0d1e2b3c4d5e6f708192a3b4c5d6e7f809")
        #expect(
            String(decoding: version.json, as: UTF8.self)
                == #"{"revision":"3f2a9c0d1e2b3c4d5e6f708192a3b4c5d6e7f809","version":"0.1.0-rc.1"}"#)
        #expect(try BuildVersion(json: version.json) == version)
    }

    @Test(arguments: [
        ("0.1.0", true), ("dev", true), ("1.2.3+build.7", true), ("v1_2-rc", true), ("", false),
        ("1.0 beta", false), ("1.0\u{1b}[31m", false), ("é", false), ("1/2", false),
        (String(repeating: "a", count: 128), true), (String(repeating: "a", count: 129), false),
    ])
    func fieldValidity(value: String, valid: Bool) {
        #expect(BuildVersion.isValidField(value) == valid, "\(value.debugDescription)")
    }

    @Test(arguments: [
        (#"{"version":"1.0"}"#, "not {"),
        (#"[]"#, "not {"),
        (#"{"version":"1.0","revision":""}"#, "revision is empty"),
        (#"{"version":"1.0\n","revision":"abc"}"#, "version is empty, longer than 128"),
        (#"{"version":"\#(String(repeating: "9", count: 129))","revision":"abc"}"#, "version is empty, longer"),
    ])
    func malformedAnswersAreRefused(body: String, message: String) {
        #expect {
            try BuildVersion(json: Array(body.utf8))
        } throws: { error in
            (error as? BuildVersionError)?.message.contains(message) == true
        }
    }

    @Test func aBodyOverTheLimitIsRefusedByName() {
        let body = [UInt8](repeating: UInt8(ascii: " "), count: BuildVersion.maximumBodySize + 1)
        #expect {
            try BuildVersion(json: body)
        } throws: { error in
            (error as? BuildVersionError)?.message.contains("more than the limit of 4096") == true
        }
    }

    @Test func extraFieldsAreIgnored() throws {
        let body = #"{"version":"0.2.0","revision":"abc","goVersion":"none"}"#
        #expect(try BuildVersion(json: Array(body.utf8)) == BuildVersion(version: "0.2.0", revision: "abc"))
    }
}
