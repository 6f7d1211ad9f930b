import C8SCore
import Foundation

/// The `.c8s/` directory of local mode: `runs/RUN-ID/run.json` (status), `spec.json` (the resolved pipelines
/// the run executes), `steps/STEP/artifacts/`, and while a step runs its masked CRI log file `steps/STEP/log/0.log`
/// with the shipper's checkpoint `steps/STEP/log.checkpoint`; step logs are stored as zstd chunks under `logs/`
/// (see ``LocalLogs``).
public struct RunStore: Sendable {
    /// The `.c8s` directory.
    public let root: URL

    public init(root: URL) {
        self.root = root
    }

    /// The store of the `.c8s` directory inside `directory`.
    public init(directory: String) {
        self.root = URL(fileURLWithPath: directory).appendingPathComponent(".c8s")
    }

    /// Directory of one run.
    public func runDirectory(_ id: String) -> URL {
        root.appendingPathComponent("runs").appendingPathComponent(id)
    }

    /// Directory of one step of a run.
    public func stepDirectory(run id: String, step key: String) -> URL {
        runDirectory(id).appendingPathComponent("steps").appendingPathComponent(Self.fileName(for: key))
    }

    /// The directory of a step's CRI log file (`0.log`) while the step runs.
    public func criDirectory(run id: String, step key: String) -> URL {
        stepDirectory(run: id, step: key).appendingPathComponent("log")
    }

    /// The tailer checkpoint of a step's log shipper.
    public func checkpointPath(run id: String, step key: String) -> String {
        stepDirectory(run: id, step: key).appendingPathComponent("log.checkpoint").path
    }

    /// A new run id: UTC start time plus a random suffix.
    public static func newRunID(at date: Date = Date()) -> String {
        var time = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&time, &parts)
        let stamp = String(
            format: "%04d%02d%02d-%02d%02d%02d",
            parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec
        )
        return stamp + "-" + String(format: "%04x", UInt16.random(in: 0...UInt16.max))
    }

    /// A step key as a file name (`/` and control characters replaced).
    public static func fileName(for key: String) -> String {
        String(key.map { $0 == "/" || $0.asciiValue.map { $0 < 32 } == true ? "_" : $0 })
    }

    /// Writes `run.json` atomically.
    public func save(_ record: RunRecord) throws(LocalError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .secondsSince1970
        do {
            let data = try encoder.encode(record)
            try FileManager.default.createDirectory(at: runDirectory(record.id), withIntermediateDirectories: true)
            try data.write(to: runDirectory(record.id).appendingPathComponent("run.json"), options: .atomic)
        } catch {
            throw .io("cannot record run \(record.id) under \(root.path): \(error)")
        }
    }

    /// Writes the resolved pipelines of a run (`spec.json`), passing the bytes through `mask`.
    public func saveSpec(
        _ pipelines: [ResolvedPipeline],
        run id: String,
        mask: ([UInt8]) -> [UInt8] = { $0 }
    ) throws(LocalError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try FileManager.default.createDirectory(at: runDirectory(id), withIntermediateDirectories: true)
            try Data(mask([UInt8](encoder.encode(pipelines))))
                .write(to: runDirectory(id).appendingPathComponent("spec.json"))
        } catch {
            throw .io("cannot record the pipeline of run \(id): \(error)")
        }
    }

    /// Reads one run's `run.json`.
    public func load(_ id: String) throws(LocalError) -> RunRecord {
        let url = runDirectory(id).appendingPathComponent("run.json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw .notFound("no run \"\(id)\" in \(root.path)/runs; list runs with `c8s get runs --local`")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        do {
            return try decoder.decode(RunRecord.self, from: data)
        } catch {
            throw .io("cannot read \(url.path): \(error)")
        }
    }

    /// Every recorded run, oldest first by start time (runs with unreadable records are left out).
    public func list() -> [RunRecord] {
        let directory = root.appendingPathComponent("runs").path
        let ids = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return ids.compactMap { try? load($0) }.sorted { ($0.startTime, $0.id) < ($1.startTime, $1.id) }
    }
}
