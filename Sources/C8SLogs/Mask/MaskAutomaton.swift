/// An Aho-Corasick automaton over bytes, compiled to a dense DFA over byte classes: one table lookup per input
/// byte, whatever the number of patterns.
///
/// Bytes that occur in no pattern share class 0 and always lead back to the root. Each state knows its depth (the
/// length of the longest suffix of the input that is a prefix of some pattern, which bounds how far back a
/// future match can start) and the length of the longest pattern ending at it (0 when none).
final class MaskAutomaton: Sendable {
    let classOf: [UInt16]
    let classCount: Int
    /// Transitions by state index (tests and construction).
    let delta: [Int32]
    /// The same transitions for the scan loop: the target state premultiplied by `classCount` (the offset of its
    /// row), with the sign bit set when a pattern ends at the target.
    let rows: [Int32]
    let depth: [Int32]
    let matchLength: [Int32]
    let patternCount: Int
    let longestPattern: Int

    init(patterns: [[UInt8]]) {
        var classOf = [UInt16](repeating: 0, count: 256)
        var classCount = 1
        for p in patterns {
            for b in p where classOf[Int(b)] == 0 {
                classOf[Int(b)] = UInt16(classCount)
                classCount += 1
            }
        }
        // trie
        var delta = [Int32](repeating: -1, count: classCount)
        var depth: [Int32] = [0]
        var matchLength: [Int32] = [0]
        for p in patterns {
            var s = 0
            for b in p {
                let c = Int(classOf[Int(b)])
                let next = delta[s * classCount + c]
                if next >= 0 {
                    s = Int(next)
                } else {
                    let t = depth.count
                    depth.append(depth[s] + 1)
                    matchLength.append(0)
                    delta.append(contentsOf: repeatElement(-1, count: classCount))
                    delta[s * classCount + c] = Int32(t)
                    s = t
                }
            }
            matchLength[s] = max(matchLength[s], Int32(p.count))
        }
        // failure links, resolved into the transition table breadth-first
        var fail = [Int32](repeating: 0, count: depth.count)
        var queue: [Int] = []
        queue.reserveCapacity(depth.count)
        for c in 0..<classCount {
            let t = delta[c]
            if t < 0 { delta[c] = 0 } else { queue.append(Int(t)) }
        }
        var head = 0
        while head < queue.count {
            let s = queue[head]
            head += 1
            let f = Int(fail[s])
            matchLength[s] = max(matchLength[s], matchLength[f])
            for c in 0..<classCount {
                let t = delta[s * classCount + c]
                if t < 0 {
                    delta[s * classCount + c] = delta[f * classCount + c]
                } else {
                    fail[Int(t)] = delta[f * classCount + c]
                    queue.append(Int(t))
                }
            }
        }
        self.classOf = classOf
        self.classCount = classCount
        self.delta = delta
        self.rows = delta.map { t in
            let row = t * Int32(classCount)
            return matchLength[Int(t)] != 0 ? row | Int32.min : row
        }
        self.depth = depth
        self.matchLength = matchLength
        self.patternCount = patterns.count
        self.longestPattern = patterns.map(\.count).max() ?? 0
    }

    /// Runs the automaton from `state` over `bytes`, calling `match(start, end)` (offsets relative to `base`) for
    /// the longest pattern ending at each position that ends one. Returns the final state.
    @inline(__always)
    func scan(
        _ bytes: UnsafeBufferPointer<UInt8>, from state: Int32, base: Int, _ match: (Int, Int) -> Void
    ) -> Int32 {
        let cc = classCount
        var row = Int(state) * cc
        classOf.withUnsafeBufferPointer { cls in
            rows.withUnsafeBufferPointer { d in
                for i in 0..<bytes.count {
                    let t = d[row &+ Int(cls[Int(bytes[i])])]
                    row = Int(t & Int32.max)
                    if t < 0 {
                        let end = base + i + 1
                        match(end - Int(matchLength[row / cc]), end)
                    }
                }
            }
        }
        let s = row / cc
        return Int32(s)
    }
}
