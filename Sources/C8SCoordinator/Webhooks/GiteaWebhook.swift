import C8SKube

/// Normalizes Gitea and Forgejo payloads (`X-Gitea-Event` / `X-Forgejo-Event`: `push`,
/// `pull_request`, `delete`); the shapes follow GitHub's.
enum GiteaWebhook {
    static func event(headers: WebhookHeaders, payload: JSONValue, deliveryID: String) throws(WebhookError)
        -> ForgeEvent
    {
        guard let name = headers.first(of: "X-Forgejo-Event", "X-Gitea-Event", "X-Gogs-Event") else {
            throw .malformed("missing header X-Gitea-Event")
        }
        let sender = payload.optionalString("sender.login") ?? payload.optionalString("sender.username")
        switch name {
        case "push":
            let repository = try GitHubWebhook.repositoryReference(payload)
            let ref = try payload.requiredString("ref")
            let after = payload.optionalString("after")
            var event = ForgeEvent(
                provider: .gitea, kind: .push, repository: repository,
                sender: sender ?? payload.optionalString("pusher.login"), deliveryID: deliveryID)
            if let tag = GitRef.tag(of: ref) {
                event.kind = GitRef.isZero(after) ? .ignored(reason: "tag \(tag) deleted") : .tagPush
                event.tag = tag
                event.commitSHA = GitRef.isZero(after) ? nil : after
                return event
            }
            guard let branch = GitRef.branch(of: ref) else {
                event.kind = .ignored(reason: "push to \(ref) is neither a branch nor a tag")
                return event
            }
            event.branch = branch
            if GitRef.isZero(after) {
                event.kind = .branchDeletion
                return event
            }
            guard let after else { throw .missingField("after") }
            event.commitSHA = after
            let commits = payload["commits"]
            let listed = commits?.arrayValue?.count ?? 0
            let total = payload["total_commits"]?.integer ?? listed
            event.changedPaths = GitRef.changedPaths(commits: commits, complete: total <= listed)
            return event
        case "pull_request":
            let repository = try GitHubWebhook.repositoryReference(payload)
            let action = try payload.requiredString("action")
            let pull = try payload.requiredObject("pull_request")
            guard let number = payload["number"]?.integer ?? pull["number"]?.integer else {
                throw .missingField("number", expected: "an integer")
            }
            let normalized: ForgeEvent.PullRequestAction
            switch action {
            case "opened": normalized = .opened
            case "synchronized", "synchronize": normalized = .synchronize
            case "reopened": normalized = .reopened
            case "closed": normalized = pull["merged"]?.boolValue == true ? .merged : .closed
            default: normalized = .other
            }
            return ForgeEvent(
                provider: .gitea, kind: .pullRequest(normalized), repository: repository,
                commitSHA: try payload.requiredString("pull_request.head.sha"),
                branch: try payload.requiredString("pull_request.head.ref"),
                targetBranch: try payload.requiredString("pull_request.base.ref"),
                sender: sender, deliveryID: deliveryID,
                pullRequest: ForgeEvent.PullRequest(
                    number: number,
                    url: pull.optionalString("html_url"), title: pull.optionalString("title"),
                    headCloneURL: pull.optionalString("head.repo.clone_url")))
        case "delete":
            let repository = try GitHubWebhook.repositoryReference(payload)
            let ref = try payload.requiredString("ref")
            let isTag = payload.optionalString("ref_type") == "tag"
            return ForgeEvent(
                provider: .gitea, kind: isTag ? .ignored(reason: "tag \(ref) deleted") : .branchDeletion,
                repository: repository, branch: isTag ? nil : (GitRef.branch(of: ref) ?? ref), sender: sender,
                deliveryID: deliveryID)
        default:
            return ForgeEvent(
                provider: .gitea, kind: .ignored(reason: "Gitea event \"\(name)\" does not trigger runs"),
                repository: try? GitHubWebhook.repositoryReference(payload), sender: sender, deliveryID: deliveryID)
        }
    }
}
