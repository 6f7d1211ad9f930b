import C8SCore
import C8SLogs
import Foundation
import Synchronization
import SystemPackage

/// Prints a local run to the terminal: step lines prefixed with the step (colored on a terminal), notes,
/// and the summary table. Everything it prints has already been masked.
final class TerminalReporter: Sendable {
    private let color: Bool
    private let width: Int
    private let colors: [String: String]
    /// Whether a write to standard output failed (a closed pipe): reported once, then nothing more is printed.
    private let lock = Mutex<Bool>(false)

    private static let palette = ["36", "35", "33", "32", "34", "91", "96", "95", "93", "92"]

    init(stepKeys: [String], color: Bool) {
        self.color = color
        self.width = min(40, stepKeys.map(\.count).max() ?? 0)
        var colors: [String: String] = [:]
        for (index, key) in stepKeys.enumerated() { colors[key] = Self.palette[index % Self.palette.count] }
        self.colors = colors
    }

    /// One output line of a step.
    func line(step: String, stream: LogRecord.Stream, text: String) {
        let label = step.padding(toLength: max(width, step.count), withPad: " ", startingAt: 0)
        let prefix = color ? "\u{1B}[\(colors[step] ?? "0")m\(label) |\u{1B}[0m " : "\(label) | "
        emit(prefix + text + "\n")
    }

    /// A message of c8s itself about a step (started, skipped, timed out…).
    func event(step: String, _ text: String) {
        let label = step.padding(toLength: max(width, step.count), withPad: " ", startingAt: 0)
        let body = "\(label) * \(text)"
        emit((color ? "\u{1B}[1m\(body)\u{1B}[0m" : body) + "\n")
    }

    /// A note of c8s about the run.
    func note(_ text: String) {
        emit((color ? "\u{1B}[2mc8s: \(text)\u{1B}[0m" : "c8s: \(text)") + "\n")
    }

    /// The table printed at the end of a run.
    func summary(_ record: RunRecord) {
        var rows = [["STEP", "STATUS", "EXIT", "DURATION"]]
        for step in record.steps {
            rows.append([
                step.key, step.status, step.exitCode.map(String.init) ?? "-",
                step.duration.map(Self.format) ?? "-",
            ])
        }
        var text = "\n" + Self.table(rows)
        let withArtifacts = record.steps.filter { !$0.artifacts.isEmpty }
        if !withArtifacts.isEmpty {
            text += "\nartifacts (in .c8s/runs/\(record.id)/steps/STEP/artifacts/):\n"
            for step in withArtifacts {
                for path in step.artifacts { text += "  \(step.key): \(path)\n" }
            }
        }
        let total = (record.endTime ?? Date()).timeIntervalSince(record.startTime)
        text += "\nrun \(record.id) \(record.phase.rawValue) in \(Self.format(total))\n"
        emit(text)
    }

    /// Left-aligned columns separated by two spaces.
    static func table(_ rows: [[String]]) -> String {
        guard let columns = rows.map(\.count).max() else { return "" }
        let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    /// `0.4s`, `12.3s`, `2m05s`.
    static func format(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let whole = Int(seconds.rounded())
        return whole < 3600
            ? String(format: "%dm%02ds", whole / 60, whole % 60)
            : String(format: "%dh%02dm%02ds", whole / 3600, whole % 3600 / 60, whole % 60)
    }

    private func emit(_ text: String) {
        lock.withLock { failed in
            guard !failed else { return }
            do {
                try FileDescriptor.standardOutput.writeAll(text.utf8)
            } catch {
                failed = true
                _ = try? FileDescriptor.standardError.writeAll("c8s: cannot write to standard output: \(error)\n".utf8)
            }
        }
    }
}
