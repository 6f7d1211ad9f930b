import C8SKube

/// Normalizes Bitbucket Cloud (`repo:push`, `pullrequest:*`) and Bitbucket Data Center
/// (`repo:refs_changed`, `pr:*`, `diagnostics:ping`) payloads; `X-Event-Key` tells them apart.
enum BitbucketWebhook {
    /// Which Bitbucket sent the delivery: the event key when it is specific to one, else the
    /// Cloud-only `X-Hook-UUID` / `X-Request-UUID` headers.
    static func provider(headers: WebhookHeaders) -> ForgeProvider {
        let key = headers["X-Event-Key"] ?? ""
        if key == "repo:push" || key.hasPrefix("pullrequest:") { return .bitbucketCloud }
        if key == "repo:refs_changed" || key.hasPrefix("pr:") || key.hasPrefix("diagnostics:") {
            return .bitbucketDataCenter
        }
        return headers.first(of: "X-Hook-UUID", "X-Request-UUID") != nil ? .bitbucketCloud : .bitbucketDataCenter
    }

    static func event(headers: WebhookHeaders, payload: JSONValue, deliveryID: String) throws(WebhookError)
        -> ForgeEvent
    {
        guard let key = headers["X-Event-Key"] else { throw .malformed("missing header X-Event-Key") }
        switch provider(headers: headers) {
        case .bitbucketCloud: return try cloudEvent(key: key, payload: payload, deliveryID: deliveryID)
        default: return try dataCenterEvent(key: key, payload: payload, deliveryID: deliveryID)
        }
    }

    // MARK: Bitbucket Cloud

    /// Bitbucket Cloud payloads carry no clone URLs: they are derived from `full_name` and the host
    /// of `links.html.href` (`https://bitbucket.org/ws/repo.git`, `git@bitbucket.org:ws/repo.git`).
    static func cloudRepository(_ payload: JSONValue, at path: String) throws(WebhookError) -> RepositoryReference {
        let fullName = try payload.requiredString(path + ".full_name")
        let web = payload.optionalString(path + ".links.html.href")
        let host = web.flatMap { RepositoryURL($0)?.host } ?? "bitbucket.org"
        return RepositoryReference(
            fullName: fullName, cloneURL: "https://\(host)/\(fullName).git", sshURL: "git@\(host):\(fullName).git",
            webURL: web)
    }

    static func cloudEvent(key: String, payload: JSONValue, deliveryID: String) throws(WebhookError) -> ForgeEvent {
        let sender = payload.optionalString("actor.nickname") ?? payload.optionalString("actor.display_name")
        switch key {
        case "repo:push":
            let repository = try cloudRepository(payload, at: "repository")
            guard let change = payload.value(at: "push.changes")?.arrayValue?.first else {
                throw .missingField("push.changes", expected: "a non-empty array")
            }
            var event = ForgeEvent(
                provider: .bitbucketCloud, kind: .push, repository: repository, sender: sender,
                deliveryID: deliveryID)
            guard let new = change["new"], !new.isNull else {
                let name = change.optionalString("old.name") ?? "?"
                if change.optionalString("old.type") == "tag" {
                    event.kind = .ignored(reason: "tag \(name) deleted")
                } else {
                    event.kind = .branchDeletion
                    event.branch = name
                }
                return event
            }
            let name = try change.requiredString("new.name")
            let hash = try change.requiredString("new.target.hash")
            switch new.optionalString("type") {
            case "tag", "annotated_tag":
                event.kind = .tagPush
                event.tag = name
            case "branch", "named_branch", nil:
                event.branch = name
            case let other?:
                event.kind = .ignored(reason: "push to a \(other) does not trigger runs")
            }
            event.commitSHA = hash
            return event
        case "pullrequest:created", "pullrequest:updated", "pullrequest:fulfilled", "pullrequest:rejected":
            let action: ForgeEvent.PullRequestAction =
                switch key {
                case "pullrequest:created": .opened
                // Cloud sends `updated` for new commits and for edits alike.
                case "pullrequest:updated": .synchronize
                case "pullrequest:fulfilled": .merged
                default: .closed
                }
            let pull = try payload.requiredObject("pullrequest")
            let head = pull.hasObject("source.repository") ? try? cloudRepository(pull, at: "source.repository") : nil
            return ForgeEvent(
                provider: .bitbucketCloud, kind: .pullRequest(action),
                repository: try cloudRepository(payload, at: "repository"),
                commitSHA: try payload.requiredString("pullrequest.source.commit.hash"),
                branch: try payload.requiredString("pullrequest.source.branch.name"),
                targetBranch: try payload.requiredString("pullrequest.destination.branch.name"),
                sender: sender, deliveryID: deliveryID,
                pullRequest: ForgeEvent.PullRequest(
                    number: try payload.requiredInt("pullrequest.id"), url: pull.optionalString("links.html.href"),
                    title: pull.optionalString("title"), headCloneURL: head?.cloneURL))
        default:
            return ForgeEvent(
                provider: .bitbucketCloud,
                kind: .ignored(reason: "Bitbucket event \"\(key)\" does not trigger runs"),
                repository: try? cloudRepository(payload, at: "repository"), sender: sender, deliveryID: deliveryID)
        }
    }

    // MARK: Bitbucket Data Center

    /// The repository at `path`: `links.clone[]` (`name` `http` and `ssh`) and `links.self[0]`.
    static func dataCenterRepository(_ payload: JSONValue, at path: String) throws(WebhookError)
        -> RepositoryReference
    {
        guard let clones = payload.value(at: path + ".links.clone")?.arrayValue else {
            throw .missingField(path + ".links.clone", expected: "an array")
        }
        var http: String?
        var ssh: String?
        for clone in clones {
            switch clone.optionalString("name") {
            case "http", "https": http = http ?? clone.optionalString("href")
            case "ssh": ssh = ssh ?? clone.optionalString("href")
            default: break
            }
        }
        guard let cloneURL = http ?? ssh else {
            throw .missingField(path + ".links.clone[name=http].href")
        }
        let project = payload.optionalString(path + ".project.key")
        let slug = payload.optionalString(path + ".slug")
        return RepositoryReference(
            fullName: project.flatMap { project in slug.map { "\(project)/\($0)" } }, cloneURL: cloneURL,
            sshURL: http == nil ? nil : ssh,
            webURL: payload.value(at: path + ".links.self")?.arrayValue?.first?.optionalString("href"))
    }

    static func dataCenterEvent(key: String, payload: JSONValue, deliveryID: String) throws(WebhookError)
        -> ForgeEvent
    {
        let sender = payload.optionalString("actor.slug") ?? payload.optionalString("actor.name")
        switch key {
        case "diagnostics:ping":
            return ForgeEvent(provider: .bitbucketDataCenter, kind: .ping, repository: nil, deliveryID: deliveryID)
        case "repo:refs_changed":
            let repository = try dataCenterRepository(payload, at: "repository")
            guard let change = payload["changes"]?.arrayValue?.first else {
                throw .missingField("changes", expected: "a non-empty array")
            }
            guard let refID = change.optionalString("ref.id") ?? change.optionalString("refId") else {
                throw .missingField("changes[0].ref.id")
            }
            let type = change.optionalString("type") ?? "UPDATE"
            var event = ForgeEvent(
                provider: .bitbucketDataCenter, kind: .push, repository: repository, sender: sender,
                deliveryID: deliveryID)
            if let tag = GitRef.tag(of: refID) {
                event.kind = type == "DELETE" ? .ignored(reason: "tag \(tag) deleted") : .tagPush
                event.tag = tag
                event.commitSHA = type == "DELETE" ? nil : change.optionalString("toHash")
                return event
            }
            guard let branch = GitRef.branch(of: refID) else {
                event.kind = .ignored(reason: "push to \(refID) is neither a branch nor a tag")
                return event
            }
            event.branch = branch
            if type == "DELETE" || GitRef.isZero(change.optionalString("toHash")) {
                event.kind = .branchDeletion
                return event
            }
            event.commitSHA = try change.requiredString("toHash")
            return event
        case "pr:opened", "pr:from_ref_updated", "pr:reopened", "pr:merged", "pr:declined", "pr:deleted",
            "pr:modified":
            let action: ForgeEvent.PullRequestAction =
                switch key {
                case "pr:opened": .opened
                case "pr:from_ref_updated": .synchronize
                case "pr:reopened": .reopened
                case "pr:merged": .merged
                case "pr:declined", "pr:deleted": .closed
                default: .other
                }
            let pull = try payload.requiredObject("pullRequest")
            let head =
                pull.hasObject("fromRef.repository")
                ? try? dataCenterRepository(pull, at: "fromRef.repository") : nil
            return ForgeEvent(
                provider: .bitbucketDataCenter, kind: .pullRequest(action),
                repository: try dataCenterRepository(payload, at: "pullRequest.toRef.repository"),
                commitSHA: try payload.requiredString("pullRequest.fromRef.latestCommit"),
                branch: try payload.requiredString("pullRequest.fromRef.displayId"),
                targetBranch: try payload.requiredString("pullRequest.toRef.displayId"),
                sender: sender ?? pull.optionalString("author.user.slug"), deliveryID: deliveryID,
                pullRequest: ForgeEvent.PullRequest(
                    number: try payload.requiredInt("pullRequest.id"),
                    url: pull.value(at: "links.self")?.arrayValue?.first?.optionalString("href"),
                    title: pull.optionalString("title"), headCloneURL: head?.cloneURL))
        default:
            let repository =
                payload.hasObject("repository") ? try? dataCenterRepository(payload, at: "repository") : nil
            return ForgeEvent(
                provider: .bitbucketDataCenter,
                kind: .ignored(reason: "Bitbucket event \"\(key)\" does not trigger runs"),
                repository: repository, sender: sender, deliveryID: deliveryID)
        }
    }
}
