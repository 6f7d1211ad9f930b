import C8SCommon
import Testing

@Suite("Shared pieces")
struct CommonTests {
    @Test(
        arguments: [
            (1970, 1, 1, 0), (2000, 3, 1, 11_017), (1969, 12, 31, -1), (2024, 2, 29, 19_782), (1600, 1, 1, -135_140),
            (9999, 12, 31, 2_932_896),
        ] as [(Int64, Int64, Int64, Int64)])
    func calendarRoundTrips(year: Int64, month: Int64, day: Int64, days: Int64) {
        #expect(CivilCalendar.days(year: year, month: month, day: day) == days)
        let date = CivilCalendar.date(days: days)
        #expect(date.year == year && date.month == month && date.day == day)
    }

    @Test func calendarIsContinuousOverCenturies() {
        var previous = CivilCalendar.date(days: -200_000)
        for days in Int64(-199_999)...200_000 {
            let date = CivilCalendar.date(days: days)
            #expect(CivilCalendar.days(year: date.year, month: date.month, day: date.day) == days)
            if date.day != 1 { #expect(date.day == previous.day + 1) }
            previous = date
        }
    }

    @Test(arguments: [
        ("abc-._~XYZ019", false, "abc-._~XYZ019"), ("a b/c", false, "a%20b%2Fc"), ("a b/c", true, "a%20b/c"),
        ("é?&=+", false, "%C3%A9%3F%26%3D%2B"), ("", false, ""),
    ])
    func percentEncoding(text: String, keepingSlash: Bool, expected: String) {
        #expect(PercentEncoding.encode(text, keepingSlash: keepingSlash) == expected)
    }

    @Test func backoffDoublesUpToItsCap() {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1))
        #expect(backoff.delay(attempt: 0) == .zero)
        #expect(backoff.delay(attempt: 1) == .milliseconds(100))
        #expect(backoff.delay(attempt: 2) == .milliseconds(200))
        #expect(backoff.delay(attempt: 4) == .milliseconds(800))
        #expect(backoff.delay(attempt: 5) == .seconds(1))
        #expect(backoff.delay(attempt: 10_000) == .seconds(1))
    }
}
