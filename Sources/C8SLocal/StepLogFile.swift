import C8SLogs
import Foundation
import Synchronization
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// The output of one running step, masked as it arrives and written as a CRI log file (`0.log`, the format a
/// container runtime writes) that the step's ``LogShipper`` follows; complete masked lines also go to the terminal.
///
/// Masking happens here, before anything is written or printed: each stream runs through its own
/// ``SecretMasker/Stream`` (a secret split across two reads is still masked), so the CRI file on disk, the terminal
/// and (through the shipper) the store only ever see masked text. The CRI framing is ``CRIWriter``'s: complete lines
/// become `F` lines, a line longer than 16 KiB becomes `P` fragments.
final class StepLogFile: Sendable {
    private struct State {
        var descriptor: Int32
        var writer = CRIWriter()
        var maskOut: SecretMasker.Stream
        var maskErr: SecretMasker.Stream
        var terminalOut: [UInt8] = []
        var terminalErr: [UInt8] = []
        /// Set by the first failed write (a full disk): the file ends there, the terminal goes on.
        var writeFailed = false
    }

    /// The longest line printed to the terminal at once; longer lines are printed in pieces.
    static let terminalLineLimit = 16 * 1024

    /// The CRI file.
    let path: String
    private let onLine: @Sendable (LogRecord.Stream, String) -> Void
    private let state: Mutex<State>

    /// Creates (truncates) the CRI file at `path`; `onLine` receives each masked line for the terminal.
    init(
        path: String, masker: SecretMasker, onLine: @escaping @Sendable (LogRecord.Stream, String) -> Void
    ) throws(LocalError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .io("cannot create the step log \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
        self.onLine = onLine
        state = Mutex(State(descriptor: descriptor, maskOut: masker.makeStream(), maskErr: masker.makeStream()))
    }

    /// Output bytes of the step (unmasked), as read from its pipe.
    func write(_ stream: LogRecord.Stream, _ bytes: UnsafeRawBufferPointer) {
        let now = Self.nowNanos()
        state.withLock { s in
            var masked: [UInt8] = []
            let input = bytes.bindMemory(to: UInt8.self)
            if stream == .stdout { s.maskOut.feed(input, into: &masked) } else { s.maskErr.feed(input, into: &masked) }
            emit(&s, stream, masked, now: now)
        }
    }

    /// The stream was quiet for a while: releases what the masker held back (a held tail that already is the start
    /// of a secret's form is masked; see ``SecretMasker/Stream/flush(into:)``), so the terminal shows it.
    func idle(_ stream: LogRecord.Stream) {
        let now = Self.nowNanos()
        state.withLock { s in
            var masked: [UInt8] = []
            if stream == .stdout { s.maskOut.flush(into: &masked) } else { s.maskErr.flush(into: &masked) }
            emit(&s, stream, masked, now: now)
        }
    }

    /// The step closed `stream`: releases what the masker held and ends an unterminated last line.
    func endStream(_ stream: LogRecord.Stream) {
        let now = Self.nowNanos()
        state.withLock { s in
            var masked: [UInt8] = []
            if stream == .stdout { s.maskOut.finish(into: &masked) } else { s.maskErr.finish(into: &masked) }
            emit(&s, stream, masked, now: now)
            var out: [UInt8] = []
            s.writer.flush(stream: stream, timestampNanos: now, to: &out)
            writeAll(&s, out)
            var pending: [UInt8] = []
            if stream == .stdout { swap(&pending, &s.terminalOut) } else { swap(&pending, &s.terminalErr) }
            if !pending.isEmpty { onLine(stream, String(decoding: pending, as: UTF8.self)) }
        }
    }

    /// A line of c8s itself about the step (already masked), recorded like the step's own output.
    func writeLine(_ stream: LogRecord.Stream, _ line: String) {
        let record = LogRecord(timestampNanos: Self.nowNanos(), stream: stream, text: line)
        state.withLock { s in
            writeAll(&s, s.writer.encode(record))
        }
    }

    /// Closes the file (after both streams ended).
    func close() {
        state.withLock { s in
            if s.descriptor >= 0 { Glibc.close(s.descriptor) }
            s.descriptor = -1
        }
    }

    private func emit(_ s: inout State, _ stream: LogRecord.Stream, _ masked: [UInt8], now: Int64) {
        guard !masked.isEmpty else { return }
        var out: [UInt8] = []
        masked.withUnsafeBytes { s.writer.feed($0, stream: stream, timestampNanos: now, to: &out) }
        writeAll(&s, out)
        var pending: [UInt8] = []
        if stream == .stdout { swap(&pending, &s.terminalOut) } else { swap(&pending, &s.terminalErr) }
        var start = 0
        for index in masked.indices where masked[index] == 0x0A {
            pending.append(contentsOf: masked[start..<index])
            onLine(stream, String(decoding: pending, as: UTF8.self))
            pending.removeAll(keepingCapacity: true)
            start = index + 1
        }
        pending.append(contentsOf: masked[start...])
        while pending.count >= Self.terminalLineLimit {
            onLine(stream, String(decoding: pending[..<Self.terminalLineLimit], as: UTF8.self))
            pending.removeFirst(Self.terminalLineLimit)
        }
        if stream == .stdout { swap(&pending, &s.terminalOut) } else { swap(&pending, &s.terminalErr) }
    }

    /// Appends to the CRI file; the first failure is reported on the terminal (as a stderr line of the step) and
    /// ends the file, as a container runtime whose log writer failed keeps the container running.
    private func writeAll(_ s: inout State, _ bytes: [UInt8]) {
        guard s.descriptor >= 0, !s.writeFailed else { return }
        do {
            try FileDescriptor(rawValue: s.descriptor).writeAll(bytes)
        } catch {
            s.writeFailed = true
            onLine(.stderr, "c8s: cannot write the step log \(path): \(error); the stored log ends here")
        }
    }

    static func nowNanos() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
