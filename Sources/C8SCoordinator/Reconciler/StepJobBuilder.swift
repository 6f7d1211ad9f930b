import C8SAPI
import C8SCore
import C8SKube
import C8SLogs
import Logging

/// Builds the Job of one step of a run: a pure function of the run, its resolved pipeline and the clone source.
///
/// The Job has the deterministic name `PipelineRun.jobName(run:step:)`, a controller reference to the run, the
/// c8s labels, `backoffLimit: 0`, the step timeout as `activeDeadlineSeconds`, and a Pod template that carries the
/// `c8s.dev/logs` finalizer, runs without a service-account token, with the RuntimeDefault seccomp profile and
/// without privilege escalation. An init container clones the repository at the run's commit into the `/workspace`
/// emptyDir the step runs in.
public struct StepJobBuilder: Sendable {
    /// The name of the step container.
    public static let stepContainer = "step"
    /// The name of the clone init container.
    public static let cloneContainer = "clone"
    /// The directory the repository is cloned into and the step runs in.
    public static let workspace = "/workspace"
    /// Where an SSH key Secret is mounted in the clone container.
    public static let sshKeyDirectory = "/etc/c8s/git-ssh"

    public var cloneImage: String
    public var ttlSecondsAfterFinished: Int32?

    public init(cloneImage: String = "alpine/git", ttlSecondsAfterFinished: Int32? = 3600) {
        self.cloneImage = cloneImage
        self.ttlSecondsAfterFinished = ttlSecondsAfterFinished
    }

    public init(configuration: ReconcilerConfiguration) {
        self.init(
            cloneImage: configuration.cloneImage, ttlSecondsAfterFinished: configuration.jobTTLSecondsAfterFinished)
    }

    /// The Job for `step` of `run` (which must have been read from the server: the owner reference needs its uid).
    public func job(run: PipelineRun, spec: PipelineSpec, step: PipelineStep, clone: CloneSource?) -> Job {
        let labels = run.stepLabels(step: step.name)
        var volumes: [C8SKube.JSONValue] = [["name": "workspace", "emptyDir": [:]]]
        let workspaceMount: C8SKube.JSONValue = ["name": "workspace", "mountPath": .string(Self.workspace)]
        let noEscalation: C8SKube.JSONValue = ["allowPrivilegeEscalation": false]

        var container = Container(
            name: Self.stepContainer, image: step.image ?? "alpine",
            command: ["sh", "-e", "-c", step.commands.joined(separator: "\n")],
            env: environment(run: run, spec: spec, step: step), resources: resources(step.resources))
        container.workingDir = Self.workspace
        container.volumeMounts = [workspaceMount]
        container.securityContext = noEscalation

        var initContainers: [Container] = []
        if let clone {
            var cloneContainer = Container(
                name: Self.cloneContainer, image: cloneImage, command: ["sh", "-e", "-c", Self.cloneScript(clone)])
            var env = [EnvVar(name: "C8S_REPOSITORY", value: clone.repository), EnvVar(name: "HOME", value: "/tmp")]
            if let commit = clone.commit { env.append(EnvVar(name: "C8S_COMMIT", value: commit)) }
            if let branch = clone.branch { env.append(EnvVar(name: "C8S_BRANCH", value: branch)) }
            var mounts = [workspaceMount]
            switch clone.credentials {
            case .token(let secretName, let key, let username)?:
                env.append(EnvVar.secret("C8S_GIT_TOKEN", secretName: secretName, key: key))
                env.append(EnvVar(name: "C8S_GIT_USERNAME", value: username))
            case .sshKey(let secretName, let key)?:
                volumes.append([
                    "name": "git-ssh",
                    "secret": [
                        "secretName": .string(secretName), "defaultMode": 0o400,
                        "items": [["key": .string(key), "path": "id"]],
                    ],
                ])
                mounts.append(["name": "git-ssh", "mountPath": .string(Self.sshKeyDirectory), "readOnly": true])
                env.append(
                    EnvVar(
                        name: "GIT_SSH_COMMAND",
                        value: "ssh -i \(Self.sshKeyDirectory)/id -o IdentitiesOnly=yes "
                            + "-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=/tmp/known_hosts"))
            case nil:
                break
            }
            cloneContainer.env = env
            cloneContainer.workingDir = Self.workspace
            cloneContainer.volumeMounts = mounts
            cloneContainer.securityContext = noEscalation
            initContainers.append(cloneContainer)
        }

        var podSpec = PodSpec(containers: [container], restartPolicy: "Never")
        podSpec.initContainers = initContainers.isEmpty ? nil : initContainers
        podSpec.volumes = volumes
        podSpec.securityContext = ["seccompProfile": ["type": "RuntimeDefault"]]

        let template = PodTemplateSpec(
            metadata: ObjectMeta(labels: labels, finalizers: [C8SFinalizers.logs]), spec: podSpec)
        var jobSpec = JobSpec(
            template: template, backoffLimit: 0,
            activeDeadlineSeconds: step.timeout.map { Int64($0.seconds.rounded(.up)) },
            ttlSecondsAfterFinished: ttlSecondsAfterFinished)
        jobSpec.completions = 1
        jobSpec.parallelism = 1
        var job = Job(
            metadata: ObjectMeta(
                name: run.jobName(step: step.name), namespace: run.metadata.namespace, labels: labels,
                ownerReferences: [OwnerReference(controller: run, blockOwnerDeletion: true)]),
            spec: jobSpec)
        // Fields the typed Pod model does not carry ride along as the object's base JSON.
        job.unknownFields = UnknownFields([
            "spec": ["template": ["spec": ["automountServiceAccountToken": false, "enableServiceLinks": false]]]
        ])
        return job
    }

    /// Records on the `c8s.audit` logger each Secret the step's Job references (its `secrets` and the clone
    /// credentials): namespace, name, keys, run, step, purpose `step-job-env`; never a value.
    func auditSecretReferences(
        run: PipelineRun, step: PipelineStep, clone: CloneSource?, to audit: Logger = SecretAccessAudit.logger()
    ) {
        var keys: [String: Set<String>] = [:]
        for secret in step.secrets { keys[secret.name, default: []].insert(secret.key) }
        switch clone?.credentials {
        case .token(let secretName, let key, _)?: keys[secretName, default: []].insert(key)
        case .sshKey(let secretName, let key)?: keys[secretName, default: []].insert(key)
        default: break
        }
        for (name, names) in keys.sorted(by: { $0.key < $1.key }) {
            SecretAccessAudit.record(
                SecretAccessRecord(
                    component: "c8s-coordinator", namespace: run.metadata.namespace ?? "", secret: name,
                    keys: Array(names), run: run.metadata.name, step: step.name, purpose: "step-job-env"),
                to: audit)
        }
    }

    /// Pipeline env, then step env (the step wins), then c8s's own variables, then secrets as `secretKeyRef`s.
    func environment(run: PipelineRun, spec: PipelineSpec, step: PipelineStep) -> [EnvVar] {
        var values = spec.env
        for (name, value) in step.env { values[name] = value }
        var env = values.keys.sorted().map { EnvVar(name: $0, value: values[$0]) }
        var builtIn: [(String, String?)] = [
            ("CI", "true"), ("C8S", "true"), ("C8S_RUN", run.metadata.name), ("C8S_STEP", step.name),
            ("C8S_PIPELINE", run.spec.pipelineConfigRef.name), ("C8S_COMMIT", run.spec.commit),
            ("C8S_BRANCH", run.spec.branch), ("C8S_EVENT", run.spec.event?.rawValue),
        ]
        builtIn.removeAll { name, _ in values[name] != nil }
        env += builtIn.compactMap { name, value in value.map { EnvVar(name: name, value: $0) } }
        env += step.secrets.map { EnvVar.secret($0.env, secretName: $0.name, key: $0.key) }
        return env
    }

    func resources(_ requirements: ResourceRequirements?) -> ContainerResources? {
        guard let requirements, !(requirements.requests.isEmpty && requirements.limits.isEmpty) else { return nil }
        return ContainerResources(
            requests: requirements.requests.isEmpty ? nil : requirements.requests.mapValues(\.text),
            limits: requirements.limits.isEmpty ? nil : requirements.limits.mapValues(\.text))
    }

    /// The clone script. It never prints the token: the credential helper reads it from the environment when git
    /// asks, and the shell does not trace commands.
    static func cloneScript(_ clone: CloneSource) -> String {
        var lines = [
            "git init -q .",
            "git remote add origin \"$C8S_REPOSITORY\"",
        ]
        var git = "git"
        if case .token = clone.credentials {
            git =
                "git -c credential.helper= "
                + "-c credential.helper='!f() { echo \"username=$C8S_GIT_USERNAME\"; "
                + "echo \"password=$C8S_GIT_TOKEN\"; }; f'"
        }
        if clone.commit != nil {
            lines.append("\(git) fetch -q --depth 1 origin \"$C8S_COMMIT\" || \(git) fetch -q origin")
            lines.append("git checkout -q --detach \"$C8S_COMMIT\"")
        } else if clone.branch != nil {
            lines.append("\(git) fetch -q --depth 1 origin \"refs/heads/$C8S_BRANCH\"")
            lines.append("git checkout -q --detach FETCH_HEAD")
        } else {
            lines.append("\(git) fetch -q --depth 1 origin HEAD")
            lines.append("git checkout -q --detach FETCH_HEAD")
        }
        lines.append("echo \"checked out $(git rev-parse HEAD)\"")
        return lines.joined(separator: "\n")
    }
}
