import C8SCore

extension CoordinatorAPI {
    /// Refuses (400) a config name that cannot be a PipelineConfig name and label value, a commit that is not
    /// 4 to 64 lowercase hex digits, and a branch that git would not accept or that exceeds 255 bytes.
    static func checkNames(_ body: CreateRunRequest) throws {
        // The config's name is also the value of the run's c8s.dev/pipeline-config label: at most 63 characters.
        guard body.config.utf8.count <= 63, Names.isDNSSubdomain(body.config) else {
            throw APIProblem.badRequest(
                "config \(WebhookReceiver.quoted(body.config)) is not a PipelineConfig name (a DNS-1123 name of at "
                    + "most 63 characters)")
        }
        if let commit = body.commit, !commit.isEmpty, !GitNames.isCommitID(commit) {
            throw APIProblem.badRequest(
                "commit \(WebhookReceiver.quoted(commit)) is not a commit id (4 to 64 lowercase hexadecimal digits)")
        }
        if let branch = body.branch, !branch.isEmpty, let problem = GitNames.refNameProblem(branch) {
            throw APIProblem.badRequest(
                "branch \(WebhookReceiver.quoted(branch)) is not a valid git ref name: it \(problem)")
        }
    }
}
