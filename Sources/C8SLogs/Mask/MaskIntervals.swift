/// Sorted, disjoint masked intervals; a new interval merges with every interval it overlaps or touches.
struct MaskIntervals: Sendable {
    var starts: [Int] = []
    var ends: [Int] = []

    /// Adds `[start, end)`; `end` is never smaller than any end added before (matches arrive in end order).
    @inline(__always)
    mutating func add(_ start: Int, _ end: Int) {
        var s = start
        while let last = ends.last, last >= s {
            s = min(s, starts.removeLast())
            ends.removeLast()
        }
        starts.append(s)
        ends.append(end)
    }

    var isEmpty: Bool { starts.isEmpty }
}
