/// An Aho-Corasick automaton over bytes, compiled to a dense DFA over byte classes: one table lookup per input
/// byte, whatever the number of patterns.
///
/// While the automaton is at its root (no pattern prefix pending), a start filter skips ahead: a bit per hash of
/// every pattern's first four bytes, so a position whose next four bytes start no pattern costs one unaligned load,
/// a multiply and a bit test, with no dependency on the previous position (the DFA's table walk is one dependent
/// load after another). The filter is exact in what it skips: it is only consulted at the root, and only when four
/// bytes of the scanned piece remain; every pattern has at least four bytes when it is enabled.
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
    /// Bits by ``startHash(_:)`` of the first four bytes of every pattern (nil: some pattern is shorter).
    let startFilter: [UInt64]?

    /// Bits in the start filter (a power of two): 64 Ki bits, 8 KiB, stays in the L1 cache.
    static let startFilterBits = 1 << 16

    @inline(__always)
    static func startHash(_ word: UInt32) -> Int { Int((word &* 0x9E37_79B1) >> 16) }

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
        if !patterns.isEmpty, patterns.allSatisfy({ $0.count >= 4 }) {
            var filter = [UInt64](repeating: 0, count: Self.startFilterBits / 64)
            for p in patterns {
                let word = UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24
                let h = Self.startHash(word.littleEndian)
                filter[h >> 6] |= 1 << UInt64(h & 63)
            }
            self.startFilter = filter
        } else {
            self.startFilter = nil
        }
    }

    /// Runs the automaton from `state` over `bytes`, calling `match(start, end)` (offsets relative to `base`) for
    /// the longest pattern ending at each position that ends one. Returns the final state.
    @inline(__always)
    func scan(
        _ bytes: UnsafeBufferPointer<UInt8>, from state: Int32, base: Int, _ match: (Int, Int) -> Void
    ) -> Int32 {
        guard let start = bytes.baseAddress, !bytes.isEmpty else { return state }
        let cc = classCount
        let n = bytes.count
        var row = Int(state) * cc
        classOf.withUnsafeBufferPointer { cls in
            rows.withUnsafeBufferPointer { d in
                guard let startFilter else {
                    for i in 0..<n {
                        let t = d[row &+ Int(cls[Int(start[i])])]
                        row = Int(t & Int32.max)
                        if t < 0 {
                            let end = base + i + 1
                            match(end - Int(matchLength[row / cc]), end)
                        }
                    }
                    return
                }
                startFilter.withUnsafeBufferPointer { filter in
                    let raw = UnsafeRawPointer(start)
                    let lastWord = n - 4
                    var i = 0
                    while i < n {
                        if row == 0 {
                            while i <= lastWord {
                                let h = Self.startHash(raw.loadUnaligned(fromByteOffset: i, as: UInt32.self))
                                if filter[h &>> 6] & (1 &<< UInt64(h & 63)) != 0 { break }
                                i &+= 1
                            }
                            if i == n { break }
                        }
                        let t = d[row &+ Int(cls[Int(start[i])])]
                        row = Int(t & Int32.max)
                        i &+= 1
                        if t < 0 {
                            let end = base + i
                            match(end - Int(matchLength[row / cc]), end)
                        }
                    }
                }
            }
        }
        return Int32(row / cc)
    }
}
