import C8SAPI
import C8SKube
import Foundation

/// Small formatting rules shared by the dashboard's pages: paths, phase badges, times, durations, commit links.
enum RunFormat {
    static func key(_ run: PipelineRun) -> String { "\(run.metadata.namespace ?? "")/\(run.metadata.name ?? "")" }

    static func runPath(_ run: PipelineRun) -> String {
        runPath(namespace: run.metadata.namespace ?? "", name: run.metadata.name ?? "")
    }

    static func runPath(namespace: String, name: String) -> String {
        "/runs/\(HTML.component(namespace))/\(HTML.component(name))"
    }

    static func stepPath(namespace: String, run: String, step: String) -> String {
        runPath(namespace: namespace, name: run) + "/steps/\(HTML.component(step))"
    }

    /// `<span class="badge phase-succeeded">Succeeded</span>`.
    static func badge(_ phase: String?) -> String {
        let phase = phase ?? "Pending"
        return "<span class=\"badge phase-\(HTML.escape(phase.lowercased()))\">\(HTML.escape(phase))</span>"
    }

    static func time(_ time: KubeTime?) -> String {
        guard let time else { return "" }
        return time.description.replacingOccurrences(of: "T", with: " ")
    }

    static func duration(start: KubeTime?, end: KubeTime?, now: Date) -> String {
        guard let start else { return "" }
        let seconds = max(0, (end?.date ?? now).timeIntervalSince(start.date))
        return HumanDuration.format(seconds: seconds)
    }

    /// The web page of a commit on the forge of a repository URL, or nil when the URL is not http(s).
    static func commitURL(repository: String, provider: C8SAPI.RepositoryConnection.Provider?, commit: String)
        -> String?
    {
        guard var base = URL(string: repository), let scheme = base.scheme?.lowercased(),
            scheme == "https" || scheme == "http", base.host != nil,
            commit.allSatisfy({ $0.isHexDigit }), !commit.isEmpty
        else { return nil }
        if base.path.hasSuffix(".git") {
            base = URL(string: String(repository.dropLast(4))) ?? base
        }
        let root = base.absoluteString.hasSuffix("/") ? String(base.absoluteString.dropLast()) : base.absoluteString
        switch provider {
        case .gitlab: return root + "/-/commit/" + commit
        case .bitbucket: return root + "/commits/" + commit
        default: return root + "/commit/" + commit
        }
    }

    /// The short commit, linked to the forge when a C8SAPI.RepositoryConnection of the run's config names the
    /// repository.
    static func commitHTML(_ run: PipelineRun, connections: [C8SAPI.RepositoryConnection]) -> String {
        guard let commit = run.spec.commit, !commit.isEmpty else { return "" }
        let short = HTML.escape(String(commit.prefix(8)))
        let connection = connections.first {
            $0.metadata.namespace == run.metadata.namespace
                && $0.spec.pipelineConfigRef.name == run.spec.pipelineConfigRef.name
        }
        guard let connection,
            let url = commitURL(
                repository: connection.spec.repository, provider: connection.spec.provider, commit: commit)
        else { return "<code title=\"\(HTML.escape(commit))\">\(short)</code>" }
        return "<a class=\"commit\" href=\"\(HTML.escape(url))\" rel=\"noreferrer\"><code>\(short)</code></a>"
    }
}
