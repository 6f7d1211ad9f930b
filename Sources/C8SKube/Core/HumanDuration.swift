/// Durations as `kubectl get` prints them (`45s`, `5m30s`, `12m`, `3h20m`, `2d4h`, `400d`), with kubectl's
/// precision steps: the shorter the duration, the finer the unit.
public enum HumanDuration {
    /// Formats `seconds`; a slightly negative value (clock skew) is `0s`, a clearly negative one `<invalid>`.
    public static func format(seconds: Double) -> String {
        guard seconds.isFinite else { return "<invalid>" }
        let total = Int(seconds.rounded(.towardZero))
        if total < -1 { return "<invalid>" }
        if total < 0 { return "0s" }
        if total < 120 { return "\(total)s" }
        let minutes = total / 60
        if minutes < 10 {
            let rest = total % 60
            return rest == 0 ? "\(minutes)m" : "\(minutes)m\(rest)s"
        }
        if minutes < 180 { return "\(minutes)m" }
        let hours = total / 3600
        if hours < 8 {
            let rest = minutes % 60
            return rest == 0 ? "\(hours)h" : "\(hours)h\(rest)m"
        }
        if hours < 48 { return "\(hours)h" }
        if hours < 24 * 8 {
            let rest = hours % 24
            return rest == 0 ? "\(hours / 24)d" : "\(hours / 24)d\(rest)h"
        }
        if hours < 24 * 365 * 2 { return "\(hours / 24)d" }
        if hours < 24 * 365 * 8 {
            let days = (hours / 24) % 365
            return days == 0 ? "\(hours / 24 / 365)y" : "\(hours / 24 / 365)y\(days)d"
        }
        return "\(hours / 24 / 365)y"
    }
}
