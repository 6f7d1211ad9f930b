import C8SKube

/// Normalizes GitLab webhook payloads (`X-Gitlab-Event`: `Push Hook`, `Tag Push Hook`, `Merge Request Hook`).
enum GitLabWebhook {
    static func event(headers: WebhookHeaders, payload: JSONValue, deliveryID: String) throws(WebhookError)
        -> ForgeEvent
    {
        guard let name = headers["X-Gitlab-Event"] else { throw .malformed("missing header X-Gitlab-Event") }
        switch name {
        case "Push Hook":
            return try push(payload: payload, deliveryID: deliveryID)
        case "Tag Push Hook":
            let repository = try repositoryReference(payload)
            let ref = try payload.requiredString("ref")
            let after = payload.optionalString("after")
            let tag = GitRef.tag(of: ref) ?? ref
            let deleted = GitRef.isZero(after)
            return ForgeEvent(
                provider: .gitlab, kind: deleted ? .ignored(reason: "tag \(tag) deleted") : .tagPush,
                repository: repository, commitSHA: deleted ? nil : after, tag: tag,
                sender: payload.optionalString("user_username"), deliveryID: deliveryID)
        case "Merge Request Hook":
            return try mergeRequest(payload: payload, deliveryID: deliveryID)
        default:
            return ForgeEvent(
                provider: .gitlab, kind: .ignored(reason: "GitLab event \"\(name)\" does not trigger runs"),
                repository: try? repositoryReference(payload), sender: payload.optionalString("user.username"),
                deliveryID: deliveryID)
        }
    }

    /// `project.git_http_url` (falling back to the older `repository.git_http_url`), SSH and web URLs.
    static func repositoryReference(_ payload: JSONValue) throws(WebhookError) -> RepositoryReference {
        if payload.hasObject("project") {
            return RepositoryReference(
                fullName: payload.optionalString("project.path_with_namespace"),
                cloneURL: try payload.requiredString("project.git_http_url"),
                sshURL: payload.optionalString("project.git_ssh_url"),
                webURL: payload.optionalString("project.web_url"))
        }
        guard payload.hasObject("repository") else { throw .missingField("project", expected: "an object") }
        return RepositoryReference(
            fullName: nil,
            cloneURL: try payload.requiredString("repository.git_http_url"),
            sshURL: payload.optionalString("repository.git_ssh_url"),
            webURL: payload.optionalString("repository.homepage"))
    }

    static func push(payload: JSONValue, deliveryID: String) throws(WebhookError) -> ForgeEvent {
        let repository = try repositoryReference(payload)
        let ref = try payload.requiredString("ref")
        let after = payload.optionalString("after")
        var event = ForgeEvent(
            provider: .gitlab, kind: .push, repository: repository,
            sender: payload.optionalString("user_username") ?? payload.optionalString("user_name"),
            deliveryID: deliveryID)
        guard let branch = GitRef.branch(of: ref) else {
            event.kind = .ignored(reason: "push to \(ref) is not a branch")
            return event
        }
        event.branch = branch
        if GitRef.isZero(after) {
            event.kind = .branchDeletion
            return event
        }
        guard let sha = payload.optionalString("checkout_sha") ?? after else { throw .missingField("after") }
        event.commitSHA = sha
        // GitLab lists at most 20 commits; `total_commits_count` tells whether the list is complete.
        let commits = payload["commits"]
        let listed = commits?.arrayValue?.count ?? 0
        let total = payload["total_commits_count"]?.integer ?? listed
        event.changedPaths = GitRef.changedPaths(commits: commits, complete: total <= listed)
        return event
    }

    static func mergeRequest(payload: JSONValue, deliveryID: String) throws(WebhookError) -> ForgeEvent {
        let repository = try repositoryReference(payload)
        let attributes = try payload.requiredObject("object_attributes")
        let action = attributes.optionalString("action") ?? "open"
        let normalized: ForgeEvent.PullRequestAction
        switch action {
        case "open": normalized = .opened
        case "reopen": normalized = .reopened
        // `update` fires for title or label edits too; only an `oldrev` means new commits.
        case "update": normalized = attributes.optionalString("oldrev") != nil ? .synchronize : .other
        case "close": normalized = .closed
        case "merge": normalized = .merged
        default: normalized = .other
        }
        return ForgeEvent(
            provider: .gitlab, kind: .pullRequest(normalized), repository: repository,
            commitSHA: try payload.requiredString("object_attributes.last_commit.id"),
            branch: try payload.requiredString("object_attributes.source_branch"),
            targetBranch: try payload.requiredString("object_attributes.target_branch"),
            sender: payload.optionalString("user.username"), deliveryID: deliveryID,
            pullRequest: ForgeEvent.PullRequest(
                number: try payload.requiredInt("object_attributes.iid"),
                url: attributes.optionalString("url"), title: attributes.optionalString("title"),
                headCloneURL: attributes.optionalString("source.git_http_url")))
    }
}
