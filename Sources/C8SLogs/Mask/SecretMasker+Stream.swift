#if canImport(Glibc)
import Glibc
#endif

extension SecretMasker {
    /// Masks text that arrives in pieces: a secret split across two ``feed(_:into:)`` calls, or across lines, is
    /// masked as if it had arrived at once.
    ///
    /// CR and LF bytes are skipped while matching (a form wrapped at any width still matches whole) and kept in the
    /// output; more than ``maximumBreakRun`` of them in a row end any match, so a run of empty lines cannot hold
    /// output back. Output lags input by at most the bytes that could still begin a match (the automaton's depth,
    /// plus the line breaks among them: at most `(1 + maximumBreakRun) ×` the longest pattern); ``finish(into:)``
    /// releases them, ``flush(into:)`` releases them early (masking a held tail that is already the first
    /// ``minimumLength`` or more bytes of a form). Pure value state, no I/O; work is linear in the input.
    public struct Stream: Sendable {
        /// Line-break bytes in a row that a match may span (`\r\n\r\n`: one empty line between two halves).
        public static let maximumBreakRun = 4

        let automaton: MaskAutomaton
        var state: Int32 = 0
        /// Bytes received but not yet written out, starting at absolute offset `heldStart`.
        var held: [UInt8] = []
        var heldStart = 0
        /// Bytes fed.
        var position = 0
        /// Bytes fed other than CR and LF: the automaton's positions.
        var logical = 0
        /// Logical positions of the CR and LF bytes from `heldStart` on.
        var breaks: [Int] = []
        /// CR and LF bytes before those in `breaks`.
        var breaksBefore = 0
        /// CR and LF bytes in a row at the end of the input.
        var breakRun = 0
        var intervals = MaskIntervals()
        /// The last byte written out is part of a `***` (a region continuing after a flush adds no second one).
        var endsMasked = false
        /// Masked regions written out so far.
        public private(set) var maskedRegions = 0
        var lineBuffer: [UInt8] = []

        init(automaton: MaskAutomaton) {
            self.automaton = automaton
        }

        /// Bytes held back because they may still be part of a secret.
        public var heldBytes: Int { held.count }

        /// True once anything was masked.
        public var maskedAny: Bool { maskedRegions > 0 }

        /// Masks the next piece of text; appends to `out` every byte that can no longer be part of a match.
        public mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
            let inputStart = position
            let count = bytes.count
            var matches: [Int] = []
            var segmentStart = 0
            var nextLF = Self.find(0x0A, base, from: 0, count)
            var nextCR = Self.find(0x0D, base, from: 0, count)
            while true {
                let next = min(nextLF, nextCR)
                if next > segmentStart {
                    state = automaton.scan(
                        UnsafeBufferPointer(rebasing: bytes[segmentStart..<next]), from: state, base: logical
                    ) {
                        matches.append($0)
                        matches.append($1)
                    }
                    logical += next - segmentStart
                    breakRun = 0
                    if !matches.isEmpty {
                        addMatches(matches)
                        matches.removeAll(keepingCapacity: true)
                    }
                }
                guard next < count else { break }
                breaks.append(logical)
                breakRun += 1
                if breakRun > Self.maximumBreakRun { state = 0 }
                if next == nextLF { nextLF = Self.find(0x0A, base, from: next + 1, count) }
                if next == nextCR { nextCR = Self.find(0x0D, base, from: next + 1, count) }
                segmentStart = next + 1
            }
            position += count
            let safe = rawOffset(logical - Int(automaton.depth[Int(state)]))
            release(upTo: safe, input: bytes, inputStart: inputStart, into: &out)
        }

        /// Masks the next piece of text from an array or string's UTF-8 view.
        public mutating func feed(_ bytes: some Collection<UInt8>, into out: inout [UInt8]) {
            if bytes.withContiguousStorageIfAvailable({ feed($0, into: &out) }) == nil {
                Array(bytes).withUnsafeBufferPointer { feed($0, into: &out) }
            }
        }

        /// Releases every held byte now, though the text goes on (the writer paused, or a log line ended): a held
        /// tail that is the first ``SecretMasker/minimumLength`` or more bytes of a form is masked; a shorter one is
        /// written as it is. The automaton keeps its state, so if the form continues, the rest is masked too.
        public mutating func flush(into out: inout [UInt8]) {
            let depth = Int(automaton.depth[Int(state)])
            if depth >= SecretMasker.minimumLength {
                intervals.add(max(rawOffset(logical - depth), heldStart), position)
            }
            release(
                upTo: position + 1, input: UnsafeBufferPointer(start: nil, count: 0), inputStart: position, into: &out)
        }

        /// Ends the text: releases every held byte, masked, and resets the automaton (a form cut off by the end of
        /// the text is not a secret).
        public mutating func finish(into out: inout [UInt8]) {
            release(
                upTo: position + 1, input: UnsafeBufferPointer(start: nil, count: 0), inputStart: position, into: &out)
            state = 0
            breakRun = 0
        }

        /// Masks the next line of a log whose lines arrive one by one (each without its line break): a form that
        /// runs on from earlier lines is masked from the start of this one, and a line ending in the first
        /// ``SecretMasker/minimumLength`` or more bytes of a form has them masked (see ``flush(into:)``). Returns
        /// `line` itself when nothing in it is masked.
        public mutating func maskLine(_ line: String) -> String {
            var out = lineBuffer
            out.removeAll(keepingCapacity: true)
            let before = maskedRegions
            feed(line.utf8, into: &out)
            flush(into: &out)
            endsMasked = false
            defer { lineBuffer = out }
            return maskedRegions == before ? line : String(decoding: out, as: UTF8.self)
        }

        /// The record with its text masked as the next line of its stream (see ``maskLine(_:)``).
        public mutating func maskLine(_ record: LogRecord) -> LogRecord {
            var record = record
            record.text = maskLine(record.text)
            return record
        }

        static func find(_ byte: Int32, _ base: UnsafePointer<UInt8>, from: Int, _ count: Int) -> Int {
            guard from < count, let hit = memchr(base + from, byte, count - from) else { return count }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }

        /// The absolute offset of the byte at logical position `l` (or of the end, for `l == logical`).
        func rawOffset(_ l: Int) -> Int {
            var low = 0
            var high = breaks.count
            while low < high {
                let mid = (low + high) / 2
                if breaks[mid] <= l { low = mid + 1 } else { high = mid }
            }
            return l + breaksBefore + low
        }

        mutating func addMatches(_ matches: [Int]) {
            var i = 0
            while i < matches.count {
                intervals.add(rawOffset(matches[i]), rawOffset(matches[i + 1] - 1) + 1)
                i += 2
            }
        }

        /// Writes out `[heldStart, safe)`: intervals ending before `safe` are final (a future match starts at or
        /// after `safe`, so cannot touch them); plain bytes before `safe` and before the first open interval too.
        mutating func release(
            upTo safe: Int, input: UnsafeBufferPointer<UInt8>, inputStart: Int, into out: inout [UInt8]
        ) {
            var cursor = heldStart
            var finalized = 0
            while finalized < intervals.starts.count, intervals.ends[finalized] < safe {
                let start = max(intervals.starts[finalized], cursor)
                copy(cursor, start, input, inputStart, &out)
                writeMasked(start, intervals.ends[finalized], input, inputStart, &out)
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
                let wasMasked = endsMasked
                copy(cursor, position, input, inputStart, &kept)
                endsMasked = wasMasked
            }
            held = kept
            heldStart = cursor
            var drop = 0
            while drop < breaks.count, breaks[drop] + breaksBefore + drop < cursor { drop += 1 }
            if drop > 0 {
                breaks.removeFirst(drop)
                breaksBefore += drop
            }
        }

        /// Appends absolute range `[a, b)` of held bytes followed by the current input.
        @inline(__always)
        mutating func copy(
            _ a: Int, _ b: Int, _ input: UnsafeBufferPointer<UInt8>, _ inputStart: Int, _ out: inout [UInt8]
        ) {
            guard b > a else { return }
            endsMasked = false
            let heldEnd = heldStart + held.count
            if a < heldEnd {
                out.append(contentsOf: held[(a - heldStart)..<(min(b, heldEnd) - heldStart)])
            }
            if b > inputStart, let base = input.baseAddress {
                let from = max(a, inputStart) - inputStart
                out.append(contentsOf: UnsafeBufferPointer(start: base + from, count: b - inputStart - from))
            }
        }

        /// Appends `***` for each line's part of the masked range `[a, b)`, keeping its CR and LF bytes.
        mutating func writeMasked(
            _ a: Int, _ b: Int, _ input: UnsafeBufferPointer<UInt8>, _ inputStart: Int, _ out: inout [UInt8]
        ) {
            guard b > a else { return }
            maskedRegions += 1
            var inRun = endsMasked
            func visit(_ byte: UInt8) {
                if byte == 0x0A || byte == 0x0D {
                    out.append(byte)
                    inRun = false
                } else if !inRun {
                    out.append(contentsOf: SecretMasker.replacementBytes)
                    inRun = true
                }
            }
            let heldEnd = heldStart + held.count
            if a < heldEnd {
                for byte in held[(a - heldStart)..<(min(b, heldEnd) - heldStart)] { visit(byte) }
            }
            if b > inputStart, let base = input.baseAddress {
                for offset in (max(a, inputStart) - inputStart)..<(b - inputStart) { visit(base[offset]) }
            }
            endsMasked = inRun
        }
    }

    /// A fresh streaming state for this masker.
    public func makeStream() -> Stream { Stream(automaton: automaton) }
}
