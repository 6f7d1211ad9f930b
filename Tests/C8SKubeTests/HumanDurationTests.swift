import Foundation
import Testing

@testable import C8SKube

/// kubectl's duration format (the client's run tables and the test API server's AGE column both use it; the client's
/// FormattingTests cover the precision steps).
@Suite struct HumanDurationTests {
    @Test func valuesThatAreNotDurationsAreInvalid() {
        #expect(HumanDuration.format(seconds: .nan) == "<invalid>")
        #expect(HumanDuration.format(seconds: .infinity) == "<invalid>")
        #expect(HumanDuration.format(seconds: -.infinity) == "<invalid>")
        #expect(HumanDuration.format(seconds: -1.9) == "0s")
        #expect(HumanDuration.format(seconds: -2) == "<invalid>")
    }

    @Test func stepsFromMinutesToHoursToDays() {
        #expect(HumanDuration.format(seconds: 180 * 60 - 1) == "179m")
        #expect(HumanDuration.format(seconds: 180 * 60) == "3h")
        #expect(HumanDuration.format(seconds: 7 * 3600 + 59 * 60 + 59) == "7h59m")
        #expect(HumanDuration.format(seconds: 48 * 3600) == "2d")
        #expect(HumanDuration.format(seconds: 8 * 86400 - 1) == "7d23h")
        #expect(HumanDuration.format(seconds: 2 * 365 * 86400) == "2y")
    }
}
