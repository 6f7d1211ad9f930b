/// Maps a container's paths onto the local machine: each volume mount's `mountPath` becomes the host directory
/// of its volume, and any other absolute working directory a directory under the Pod's private root. Pure.
///
/// The simulation is textual: occurrences of a mount path (at a path boundary, longest mount first) are replaced
/// in `workingDir`, `command`, `args` and environment values, so `sh -c "cd /workspace && ls"` works when
/// `/workspace` is an emptyDir mount. Paths a program builds at run time are not rewritten.
struct ContainerEnvironment: Sendable, Hashable {
    /// mountPath → host directory.
    var mounts: [(mountPath: String, hostPath: String)]
    /// Where other absolute paths (a working directory) live: `<root>/<path>`.
    var root: String

    static func == (a: Self, b: Self) -> Bool {
        a.root == b.root && a.mounts.map(\.mountPath) == b.mounts.map(\.mountPath)
            && a.mounts.map(\.hostPath) == b.mounts.map(\.hostPath)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(root)
        for mount in mounts {
            hasher.combine(mount.mountPath)
            hasher.combine(mount.hostPath)
        }
    }

    init(mounts: [(mountPath: String, hostPath: String)], root: String) {
        self.mounts = mounts.map { (Self.trimmed($0.mountPath), $0.hostPath) }
            .sorted { $0.mountPath.count > $1.mountPath.count }
        self.root = root
    }

    private static func trimmed(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// `text` with every mount path replaced by its host directory.
    func rewrite(_ text: String) -> String {
        guard !mounts.isEmpty, text.contains("/") else { return text }
        var result = ""
        var rest = Substring(text)
        outer: while !rest.isEmpty {
            for mount in mounts where rest.hasPrefix(mount.mountPath) {
                let after = rest.dropFirst(mount.mountPath.count)
                let previous = result.last
                let startsPath = previous == nil || !Self.isPathCharacter(previous!)
                let endsPath = after.first.map { !Self.isPathCharacter($0) || $0 == "/" } ?? true
                if startsPath && endsPath {
                    result += mount.hostPath
                    rest = after
                    continue outer
                }
            }
            result.append(rest.removeFirst())
        }
        return result
    }

    /// The host directory of a working directory: inside a mount, or under `root`.
    func workingDirectory(_ path: String?) -> String {
        guard let path, path.hasPrefix("/") else { return root }
        let rewritten = rewrite(path)
        if rewritten != path { return rewritten }
        return root + Self.trimmed(path)
    }

    private static func isPathCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || "-_./".contains(character)
    }
}
