import C8SCore
import C8SLogs
import C8SProcess
import Foundation

/// The per-step copies of the source directory a local run works in.
///
/// A template is made once per run and every step gets its own fresh copy of it. In a git work tree the template is
/// the working tree as it is — every tracked and untracked file that `.gitignore` does not exclude
/// (`git ls-files -co --exclude-standard`), uncommitted changes included, `.c8s/` left out — or, with `clean`
/// (`--clean`), an export of `HEAD` (`git archive`). Outside git it is a copy of the directory without `.c8s/`.
struct Workspace: Sendable {
    /// Where the template and step copies live (a temporary directory removed by ``remove()``).
    let root: URL
    /// Human description of what the template holds.
    let origin: String

    var template: URL { root.appendingPathComponent("template") }

    /// The directory the workspace of run `runID` started by this process lives in (`$TMPDIR/c8s-RUN-ID-PID`).
    static func rootPath(runID: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("c8s-\(runID)-\(getpid())").path
    }

    /// Whether `path` can be the workspace of run `runID` (any process): an absolute path whose last component is
    /// `c8s-RUN-ID-PID`. The recovery removes only such a directory, whatever a damaged record says.
    static func isWorkspacePath(_ path: String, runID: String) -> Bool {
        let url = URL(fileURLWithPath: path)
        let name = url.lastPathComponent
        let prefix = "c8s-\(runID)-"
        guard path.hasPrefix("/"), !path.split(separator: "/").contains(".."), name.hasPrefix(prefix) else {
            return false
        }
        let pid = name.dropFirst(prefix.count)
        return !pid.isEmpty && pid.count <= 10 && pid.allSatisfy(\.isASCII) && pid.allSatisfy(\.isNumber)
    }

    /// Builds the template of `source` under a new temporary directory: the working tree, or `HEAD` when `clean`.
    static func prepare(source: String, runID: String, clean: Bool = false) throws(LocalError) -> Workspace {
        let root = URL(fileURLWithPath: rootPath(runID: runID))
        let template = root.appendingPathComponent("template")
        do {
            try FileManager.default.createDirectory(at: template, withIntermediateDirectories: true)
        } catch {
            throw .io("cannot create a workspace under \(root.path): \(error)")
        }
        let inGit = Shell.run("git rev-parse --is-inside-work-tree >/dev/null 2>&1", in: source) == 0
        if inGit {
            let commit = Shell.output("git rev-parse --short HEAD", in: source)
            // Changes to tracked files, and untracked files that are not ignored (what the working tree adds).
            let status = "git status --porcelain --untracked-files=normal -- . ':!.c8s'"
            let changed = Shell.output(status, in: source) != nil
            if clean {
                let export =
                    "git rev-parse --verify -q HEAD >/dev/null 2>&1 "
                    + "&& test -n \"$(git ls-tree HEAD . 2>/dev/null)\" "
                    + "&& git archive --format=tar HEAD . | tar -x -C \"$1\""
                guard Shell.run(export, arguments: [template.path], in: source) == 0 else {
                    throw .usage("--clean runs what is committed, but \(source) has no commit to export")
                }
                let note = changed ? "; uncommitted changes are not included" : ""
                return Workspace(root: root, origin: "git HEAD (\(commit ?? "HEAD")) of \(source)\(note)")
            }
            // Deleted tracked files are listed but gone: tar skips them (--ignore-failed-read).
            let copy =
                "git ls-files -z -co --exclude-standard -- . ':!.c8s' "
                + "| tar --null --no-recursion --ignore-failed-read -T - -cf - 2>/dev/null | tar -x -C \"$1\""
            guard Shell.run(copy, arguments: [template.path], in: source) == 0 else {
                throw .io("cannot copy the working tree of \(source) into the workspace")
            }
            let at = commit.map { " at \($0)" } ?? ""
            let note = changed ? ", with uncommitted changes (--clean runs HEAD only)" : ""
            return Workspace(root: root, origin: "the git working tree of \(source)\(at)\(note)")
        }
        // Not a git work tree: copy the directory.
        do {
            for entry in try FileManager.default.contentsOfDirectory(atPath: source) where entry != ".c8s" {
                try FileManager.default.copyItem(
                    atPath: (source as NSString).appendingPathComponent(entry),
                    toPath: template.appendingPathComponent(entry).path
                )
            }
        } catch {
            throw .io("cannot copy \(source) into the workspace: \(error)")
        }
        return Workspace(root: root, origin: "a copy of \(source)")
    }

    /// A fresh copy of the template for one step.
    func makeStepDirectory(for key: String) throws(LocalError) -> URL {
        let directory = root.appendingPathComponent("steps").appendingPathComponent(RunStore.fileName(for: key))
        try? FileManager.default.createDirectory(
            at: directory.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard Shell.run("cp -a \"$1/.\" \"$2\"", arguments: [template.path, directory.path], in: root.path) == 0 else {
            throw .io("cannot copy the workspace for step \(key) into \(directory.path)")
        }
        return directory
    }

    /// Copies the files of `directory` matching `patterns` into `destination`; returns the copied relative
    /// paths and the patterns that matched nothing.
    static func collectArtifacts(
        _ patterns: [String],
        from directory: URL,
        into destination: URL,
        masker: SecretMasker
    ) -> (copied: [String], unmatched: [String], secrets: [String: [String]]) {
        var copied: [String] = []
        var unmatched: [String] = []
        var secrets: [String: [String]] = [:]
        let files = allPaths(under: directory)
        for pattern in patterns {
            let trimmed = pattern.hasPrefix("./") ? String(pattern.dropFirst(2)) : pattern
            let matches =
                trimmed.contains(where: { "*?".contains($0) })
                ? files.filter { GlobPattern.matches(trimmed, $0) }
                : (FileManager.default.fileExists(atPath: directory.appendingPathComponent(trimmed).path)
                    ? [trimmed] : [])
            if matches.isEmpty { unmatched.append(pattern) }
            for path in matches where !copied.contains(path) {
                let target = destination.appendingPathComponent(path)
                try? FileManager.default.createDirectory(
                    at: target.deletingLastPathComponent(),
                    withIntermediateDirectories: true
                )
                if (try? FileManager.default.copyItem(at: directory.appendingPathComponent(path), to: target)) != nil {
                    copied.append(path)
                    secrets.merge(secretsFound(at: target, path: path, masker: masker)) { $1 }
                }
            }
        }
        return (copied, unmatched, secrets)
    }

    /// The copied file (or each file of the copied directory) that holds a secret value, by path relative to the
    /// artifacts directory, with the secrets' names. The files are not changed: artifacts are copied byte for byte.
    private static func secretsFound(at url: URL, path: String, masker: SecretMasker) -> [String: [String]] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return [:] }
        let files =
            isDirectory.boolValue
            ? allPaths(under: url).map { (path + "/" + $0, url.appendingPathComponent($0)) } : [(path, url)]
        var found: [String: [String]] = [:]
        for (relative, file) in files {
            guard let data = FileManager.default.contents(atPath: file.path) else { continue }
            let names = masker.secretNames(foundIn: [UInt8](data))
            if !names.isEmpty { found[relative] = names }
        }
        return found
    }

    private static func allPaths(under directory: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory.path) else { return [] }
        return enumerator.compactMap { $0 as? String }.sorted()
    }

    /// Removes the step copy.
    func removeStepDirectory(_ directory: URL) {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Removes everything.
    func remove() {
        try? FileManager.default.removeItem(at: root)
    }
}

/// Runs small helper shell commands (git, tar, cp) synchronously on the calling thread (the run loop's), through
/// C8SProcess's spawner; the commands write their output to files or pipes of their own, so what is captured is small.
enum Shell {
    /// Exit status of `sh -c SCRIPT sh ARGUMENTS...` run in `directory` (output discarded); -1 when `sh` cannot be
    /// started or a signal ended it.
    @discardableResult
    static func run(_ script: String, arguments: [String] = [], in directory: String) -> Int32 {
        let result = try? ChildProcess.runOnCurrentThread(
            "/bin/sh", ["-c", script, "sh"] + arguments, workingDirectory: directory)
        return result?.exitCode ?? -1
    }

    /// Trimmed standard output of a successful command.
    static func output(_ script: String, in directory: String) -> String? {
        guard
            let result = try? ChildProcess.runOnCurrentThread("/bin/sh", ["-c", script], workingDirectory: directory),
            result.succeeded
        else { return nil }
        let text = result.outputText.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
