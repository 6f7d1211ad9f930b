import C8SKube

/// Normalizes GitHub webhook payloads (`X-GitHub-Event`: `push`, `pull_request`, `ping`).
enum GitHubWebhook {
    /// GitHub lists at most 2048 commits in a push payload; a longer list may be truncated.
    static let maximumListedCommits = 2048

    static func event(headers: WebhookHeaders, payload: JSONValue, deliveryID: String) throws(WebhookError)
        -> ForgeEvent
    {
        guard let name = headers["X-GitHub-Event"] else { throw .malformed("missing header X-GitHub-Event") }
        let sender = payload.optionalString("sender.login")
        switch name {
        case "ping":
            let repository = payload.hasObject("repository") ? try repositoryReference(payload) : nil
            return ForgeEvent(
                provider: .github, kind: .ping, repository: repository, sender: sender, deliveryID: deliveryID)
        case "push":
            return try push(payload: payload, sender: sender, deliveryID: deliveryID)
        case "pull_request":
            return try pullRequest(payload: payload, sender: sender, deliveryID: deliveryID)
        default:
            let repository = try? repositoryReference(payload)
            return ForgeEvent(
                provider: .github, kind: .ignored(reason: "GitHub event \"\(name)\" does not trigger runs"),
                repository: repository, sender: sender, deliveryID: deliveryID)
        }
    }

    /// The repository object at `path` of `payload` (`clone_url`, `ssh_url`, `html_url`, `full_name`).
    static func repositoryReference(_ payload: JSONValue, at path: String = "repository") throws(WebhookError)
        -> RepositoryReference
    {
        _ = try payload.requiredObject(path)
        return RepositoryReference(
            fullName: payload.optionalString(path + ".full_name"),
            cloneURL: try payload.requiredString(path + ".clone_url"),
            sshURL: payload.optionalString(path + ".ssh_url"),
            webURL: payload.optionalString(path + ".html_url"))
    }

    static func push(payload: JSONValue, sender: String?, deliveryID: String) throws(WebhookError) -> ForgeEvent {
        let repository = try repositoryReference(payload)
        let ref = try payload.requiredString("ref")
        let after = payload.optionalString("after")
        let deleted = payload["deleted"]?.boolValue == true || GitRef.isZero(after)
        let sender = sender ?? payload.optionalString("pusher.name")
        var event = ForgeEvent(
            provider: .github, kind: .push, repository: repository, sender: sender, deliveryID: deliveryID)
        if let tag = GitRef.tag(of: ref) {
            event.kind = deleted ? .ignored(reason: "tag \(tag) deleted") : .tagPush
            event.tag = tag
            event.commitSHA = deleted ? nil : after
            return event
        }
        guard let branch = GitRef.branch(of: ref) else {
            event.kind = .ignored(reason: "push to \(ref) is neither a branch nor a tag")
            return event
        }
        event.branch = branch
        if deleted {
            event.kind = .branchDeletion
            return event
        }
        guard let after else { throw .missingField("after") }
        event.commitSHA = after
        let commits = payload["commits"]
        event.changedPaths = GitRef.changedPaths(
            commits: commits, complete: (commits?.arrayValue?.count ?? 0) < maximumListedCommits)
        return event
    }

    static func pullRequest(payload: JSONValue, sender: String?, deliveryID: String) throws(WebhookError)
        -> ForgeEvent
    {
        let repository = try repositoryReference(payload)
        let action = try payload.requiredString("action")
        let pull = try payload.requiredObject("pull_request")
        guard let number = payload["number"]?.integer ?? pull["number"]?.integer else {
            throw .missingField("number", expected: "an integer")
        }
        let normalized: ForgeEvent.PullRequestAction
        switch action {
        case "opened": normalized = .opened
        case "synchronize": normalized = .synchronize
        case "reopened": normalized = .reopened
        case "closed": normalized = pull["merged"]?.boolValue == true ? .merged : .closed
        default: normalized = .other
        }
        return ForgeEvent(
            provider: .github, kind: .pullRequest(normalized), repository: repository,
            commitSHA: try payload.requiredString("pull_request.head.sha"),
            branch: try payload.requiredString("pull_request.head.ref"),
            targetBranch: try payload.requiredString("pull_request.base.ref"),
            sender: sender ?? pull.optionalString("user.login"), deliveryID: deliveryID,
            pullRequest: ForgeEvent.PullRequest(
                number: number, url: pull.optionalString("html_url"), title: pull.optionalString("title"),
                headCloneURL: pull.optionalString("head.repo.clone_url")))
    }
}
