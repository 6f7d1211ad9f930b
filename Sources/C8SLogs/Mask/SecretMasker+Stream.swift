extension SecretMasker {
    /// Masks text that arrives in pieces: a secret split across two ``feed(_:into:)`` calls is masked as if it
    /// had arrived at once.
    ///
    /// Output lags input by at most the bytes that could still begin a match (the automaton's current depth);
    /// ``finish(into:)`` releases them. A newline can never be part of a match, so the output of a completed line
    /// is released when its newline is fed. Pure value state, no I/O.
    public struct Stream: Sendable {
        let automaton: MaskAutomaton
        var state: Int32 = 0
        /// Bytes received but not yet written out, starting at absolute offset `heldStart`.
        var held: [UInt8] = []
        var heldStart = 0
        var position = 0
        var intervals = MaskIntervals()

        init(automaton: MaskAutomaton) {
            self.automaton = automaton
        }

        /// Bytes held back because they may still be part of a secret.
        public var heldBytes: Int { held.count }

        /// Masks the next piece of text; appends to `out` every byte that can no longer be part of a match.
        public mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
            guard !bytes.isEmpty else { return }
            let base = position
            state = automaton.scan(bytes, from: state, base: base) { intervals.add($0, $1) }
            position += bytes.count
            let safe = position - Int(automaton.depth[Int(state)])
            release(upTo: safe, input: bytes, inputStart: base, into: &out)
        }

        /// Masks the next piece of text from an array or string's UTF-8 view.
        public mutating func feed(_ bytes: some Collection<UInt8>, into out: inout [UInt8]) {
            if bytes.withContiguousStorageIfAvailable({ feed($0, into: &out) }) == nil {
                Array(bytes).withUnsafeBufferPointer { feed($0, into: &out) }
            }
        }

        /// Ends the text (or the line): releases every held byte, masked, and resets the automaton.
        public mutating func finish(into out: inout [UInt8]) {
            release(upTo: position + 1, input: UnsafeBufferPointer(start: nil, count: 0), inputStart: position, into: &out)
            state = 0
        }

        /// Writes out `[heldStart, safe)`: intervals ending before `safe` are final (a future match starts at or
        /// after `safe`, so cannot touch them); plain bytes before `safe` and before the first open interval too.
        mutating func release(upTo safe: Int, input: UnsafeBufferPointer<UInt8>, inputStart: Int, into out: inout [UInt8]) {
            var cursor = heldStart
            var finalized = 0
            while finalized < intervals.starts.count, intervals.ends[finalized] < safe {
                copy(cursor, intervals.starts[finalized], input, inputStart, &out)
                out.append(contentsOf: SecretMasker.replacementBytes)
                cursor = intervals.ends[finalized]
                finalized += 1
            }
            if finalized > 0 {
                intervals.starts.removeFirst(finalized)
                intervals.ends.removeFirst(finalized)
            }
            let plainEnd = min(safe, intervals.starts.first ?? safe, position)
            if plainEnd > cursor {
                copy(cursor, plainEnd, input, inputStart, &out)
                cursor = plainEnd
            }
            // keep [cursor, position)
            var kept: [UInt8] = []
            if cursor < position {
                kept.reserveCapacity(position - cursor)
                copy(cursor, position, input, inputStart, &kept)
            }
            held = kept
            heldStart = cursor
        }

        /// Appends absolute range `[a, b)` of held bytes followed by the current input.
        @inline(__always)
        func copy(_ a: Int, _ b: Int, _ input: UnsafeBufferPointer<UInt8>, _ inputStart: Int, _ out: inout [UInt8]) {
            guard b > a else { return }
            let heldEnd = heldStart + held.count
            if a < heldEnd {
                out.append(contentsOf: held[(a - heldStart)..<(min(b, heldEnd) - heldStart)])
            }
            if b > inputStart, let base = input.baseAddress {
                let from = max(a, inputStart) - inputStart
                out.append(contentsOf: UnsafeBufferPointer(start: base + from, count: b - inputStart - from))
            }
        }
    }

    /// A fresh streaming state for this masker.
    public func makeStream() -> Stream { Stream(automaton: automaton) }
}
