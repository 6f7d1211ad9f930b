import C8SCommon

/// RFC 3339 timestamps as the container runtime writes them in CRI log lines (`time.RFC3339Nano`), parsed and
/// formatted on bytes: no Foundation date formatter on the hot path.
public enum CRITimestamp {
    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` into nanoseconds since the Unix epoch, or `nil`.
    ///
    /// The fraction may have 1 to 9 digits (Go trims trailing zeros); more digits are truncated.
    @inlinable
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        let n = bytes.count
        guard n >= 20 else { return nil }
        @inline(__always) func digit(_ i: Int) -> Int64? {
            let d = bytes[i] &- 0x30
            return d < 10 ? Int64(d) : nil
        }
        @inline(__always) func two(_ i: Int) -> Int64? {
            guard let a = digit(i), let b = digit(i + 1) else { return nil }
            return a * 10 + b
        }
        guard let y1 = two(0), let y2 = two(2), bytes[4] == 0x2D, let month = two(5), bytes[7] == 0x2D,
            let day = two(8), bytes[10] == 0x54 || bytes[10] == 0x74, let hour = two(11), bytes[13] == 0x3A,
            let minute = two(14), bytes[16] == 0x3A, let second = two(17)
        else { return nil }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var i = 19
        var nanos: Int64 = 0
        if i < n, bytes[i] == 0x2E {
            i += 1
            var digits = 0
            while i < n, let d = digit(i) {
                if digits < 9 {
                    nanos = nanos * 10 + d
                    digits += 1
                }
                i += 1
            }
            guard digits > 0 else { return nil }
            while digits < 9 {
                nanos *= 10
                digits += 1
            }
        }
        guard i < n else { return nil }
        var offsetSeconds: Int64 = 0
        switch bytes[i] {
        case 0x5A, 0x7A:  // Z
            i += 1
        case 0x2B, 0x2D:  // + -
            guard i + 6 <= n, let oh = two(i + 1), bytes[i + 3] == 0x3A, let om = two(i + 4) else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (bytes[i] == 0x2B ? 1 : -1)
            i += 6
        default:
            return nil
        }
        guard i == n else { return nil }
        let days = CivilCalendar.days(year: y1 * 100 + y2, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return seconds * 1_000_000_000 + nanos
    }

    /// Appends `nanos` formatted like Go's `time.RFC3339Nano` in UTC (`2024-01-01T12:00:00.5Z`).
    public static func append(_ nanos: Int64, to out: inout [UInt8]) {
        var seconds = nanos / 1_000_000_000
        var fraction = nanos % 1_000_000_000
        if fraction < 0 {
            fraction += 1_000_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = CivilCalendar.date(days: days)
        @inline(__always) func put(_ value: Int64, width: Int) {
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            var v = value
            while divisor > 0 {
                out.append(UInt8(truncatingIfNeeded: v / divisor) &+ 0x30)
                v %= divisor
                divisor /= 10
            }
        }
        put(year, width: 4)
        out.append(0x2D)
        put(month, width: 2)
        out.append(0x2D)
        put(day, width: 2)
        out.append(0x54)
        put(secondOfDay / 3600, width: 2)
        out.append(0x3A)
        put(secondOfDay / 60 % 60, width: 2)
        out.append(0x3A)
        put(secondOfDay % 60, width: 2)
        if fraction != 0 {
            out.append(0x2E)
            var digits = 9
            var f = fraction
            while f % 10 == 0 {
                f /= 10
                digits -= 1
            }
            put(f, width: digits)
        }
        out.append(0x5A)
    }

    /// The timestamp as a `String` (for messages and tests; the hot path uses `append(_:to:)`).
    public static func format(_ nanos: Int64) -> String {
        var bytes: [UInt8] = []
        append(nanos, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
