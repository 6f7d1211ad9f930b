import C8SCommon
import Foundation

/// An API timestamp type: a `Date` kept at the precision the API stores, written as RFC 3339 with
/// ``fractionalDigits`` digits. ``KubeTime`` and ``MicroTime`` share their coding and ordering through it.
public protocol APITimestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Digits after the seconds in the written form.
    static var fractionalDigits: Int { get }
    /// The instant.
    var date: Date { get }
    /// The instant, rounded to the type's precision.
    init(_ date: Date)
}

extension APITimestamp {
    /// The current time.
    public static func now() -> Self { Self(Date()) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.date < rhs.date }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = RFC3339.parse(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not an RFC 3339 time: \(text)"))
        }
        self.init(date)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public var description: String { RFC3339.format(date, fractionalDigits: Self.fractionalDigits) }
}

/// A metav1.Time: an RFC 3339 timestamp with second precision (`2024-05-01T12:00:00Z`).
public struct KubeTime: APITimestamp {
    public static let fractionalDigits = 0
    public var date: Date

    /// The time, truncated to whole seconds as the API stores it.
    public init(_ date: Date) { self.date = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)) }
}

/// A metav1.MicroTime: an RFC 3339 timestamp with microseconds (`2024-05-01T12:00:00.123456Z`), as Leases and
/// events.k8s.io Events use.
public struct MicroTime: APITimestamp {
    public static let fractionalDigits = 6
    public var date: Date

    /// The time, rounded to microseconds as the API stores it.
    public init(_ date: Date) {
        self.date = Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1_000_000).rounded() / 1_000_000)
    }
}

/// RFC 3339 formatting and parsing without Foundation formatters (which are not Sendable and are slow).
package enum RFC3339 {
    package static func format(_ date: Date, fractionalDigits: Int) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = Int64(interval.rounded(.down))
        var micros = Int64(((interval - Double(seconds)) * 1_000_000).rounded())
        if micros >= 1_000_000 {
            seconds += 1
            micros -= 1_000_000
        }
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = CivilCalendar.date(days: days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        var result = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T"
        result += "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        if fractionalDigits > 0 {
            result += "." + String(pad(micros, 6).prefix(fractionalDigits))
        }
        return result + "Z"
    }

    package static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20 else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        guard let year = number(0..<4), bytes[4] == 45, let month = number(5..<7), bytes[7] == 45,
            let day = number(8..<10), bytes[10] == 84 || bytes[10] == 116 || bytes[10] == 32,
            let hour = number(11..<13), bytes[13] == 58, let minute = number(14..<16), bytes[16] == 58,
            let second = number(17..<19)
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == 46 {
            index += 1
            var scale = 0.1
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        guard index < bytes.count else { return nil }
        var offset: Int64 = 0
        switch bytes[index] {
        case 90, 122:
            guard index + 1 == bytes.count else { return nil }
        case 43, 45:
            guard bytes.count == index + 6, let hours = number(index + 1..<index + 3), bytes[index + 3] == 58,
                let minutes = number(index + 4..<index + 6)
            else { return nil }
            offset = (hours * 3600 + minutes * 60) * (bytes[index] == 45 ? -1 : 1)
        default:
            return nil
        }
        let days = CivilCalendar.days(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }
}
