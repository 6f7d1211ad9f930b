import C8SKube
import C8SLogs

extension CoordinatorConfiguration {
    /// The flags and environment variables of `c8s-coordinator`, one per property (see the type's key list).
    public enum Keys {
        static let defaults = CoordinatorConfiguration()

        public static let namespace = SettingKey.list(
            "namespace", "C8S_NAMESPACES", name: "NAMESPACE", help: "Namespace to watch; repeatable. Default: all.")
        public static let leaderElect = SettingKey.toggle(
            "leader-elect", "C8S_LEADER_ELECT",
            help: "Take part in leader election (default \(defaults.leaderElection)).")
        public static let leaseName = SettingKey.value(
            "lease-name", "C8S_LEASE_NAME", name: "NAME",
            help: "Leader-election Lease name (default \(defaults.leaseName)).")
        public static let leaseNamespace = SettingKey.value(
            "lease-namespace", "C8S_LEASE_NAMESPACE", name: "NAMESPACE",
            help: "Leader-election Lease namespace (default: the client's namespace).")
        public static let identity = SettingKey.value(
            "identity", "POD_NAME", name: "NAME", help: "Leader-election identity (default: the host name).")
        public static let jobTTLSeconds = SettingKey.value(
            "job-ttl-seconds", "C8S_JOB_TTL_SECONDS", name: "SECONDS",
            help: "ttlSecondsAfterFinished of step Jobs (default \(defaults.jobTTLSecondsAfterFinished ?? 0), "
                + "0 disables).")
        public static let cloneImage = SettingKey.value(
            "clone-image", "C8S_CLONE_IMAGE", name: "IMAGE",
            help: "Image of the clone init container (default \(defaults.cloneImage)).")
        public static let httpPort = SettingKey.value(
            "http-port", "C8S_HTTP_PORT", name: "PORT",
            help: "Port of /healthz, /readyz, /metrics, /webhooks and /api/v1 (default \(defaults.httpPort), "
                + "0 picks one).")
        public static let logStore = SettingKey.value(
            "log-store", "C8S_LOG_STORE", name: "URL",
            help: "Where step logs are stored: s3://BUCKET/PREFIX (C8S_S3_ENDPOINT, C8S_S3_REGION, AWS credentials) "
                + "or file:///PATH. Without it the log endpoint answers 503.")
        public static let externalURL = SettingKey.value(
            "external-url", "C8S_EXTERNAL_URL", name: "URL",
            help: "External base URL; commit statuses link to <url>/runs/<namespace>/<run>.")
        public static let commitStatus = SettingKey.toggle(
            "commit-status", "C8S_COMMIT_STATUS",
            help: "Report run start and end to the forge as commit statuses (default \(defaults.commitStatus)).")
        public static let workers = SettingKey.value(
            "workers", "C8S_WORKERS", name: "N", help: "Runs reconciled at once (default \(defaults.workers)).")

        static let admissionDefaults = AdmissionConfiguration()
        public static let admission = SettingKey.toggle(
            "admission", "C8S_ADMISSION",
            help: "Serve the validating admission webhook over HTTPS, from every replica (default false).")
        public static let admissionPort = SettingKey.value(
            "admission-port", "C8S_ADMISSION_PORT", name: "PORT",
            help: "HTTPS port of the admission webhook (default \(admissionDefaults.port), 0 picks one).")
        public static let podNamespace = SettingKey.value(
            "pod-namespace", "C8S_NAMESPACE", name: "NAMESPACE",
            help: "The coordinator's own namespace: its admission Secret and Service (default: the client's).")
        public static let admissionSecret = SettingKey.value(
            "admission-secret", "C8S_ADMISSION_SECRET", name: "NAME",
            help: "Secret of the admission CA and serving certificate (default \(admissionDefaults.secretName)).")
        public static let admissionService = SettingKey.value(
            "admission-service", "C8S_ADMISSION_SERVICE", name: "NAME",
            help: "Service the API server calls for admission (default \(admissionDefaults.serviceName)).")
        public static let admissionWebhookConfiguration = SettingKey.value(
            "admission-webhook-configuration", "C8S_ADMISSION_WEBHOOK_CONFIGURATION", name: "NAME",
            help: "ValidatingWebhookConfiguration whose caBundle is kept up to date (default "
                + "\(admissionDefaults.webhookConfigurationName)).")
        public static let admissionCheckSeconds = SettingKey.value(
            "admission-check-seconds", "C8S_ADMISSION_CHECK_SECONDS", name: "SECONDS",
            help: "How often the admission certificates are checked and reloaded (default "
                + "\(admissionDefaults.checkInterval.components.seconds)).")
    }

    /// Every key `c8s-coordinator` reads, in help order: ``ProcessSettings/keys`` and ``Keys``.
    public static let settingKeys: [SettingKey] =
        ProcessSettings.keys + [
            Keys.namespace, Keys.leaderElect, Keys.leaseName, Keys.leaseNamespace, Keys.identity, Keys.jobTTLSeconds,
            Keys.cloneImage, Keys.httpPort, Keys.logStore, Keys.externalURL, Keys.commitStatus, Keys.workers,
            Keys.admission, Keys.admissionPort, Keys.podNamespace, Keys.admissionSecret, Keys.admissionService,
            Keys.admissionWebhookConfiguration, Keys.admissionCheckSeconds,
        ]

    /// The configuration `settings` give, over the defaults: the one place flags and environment map onto it.
    ///
    /// - Parameter hostName: the default identity.
    /// - Throws: ``SettingError`` naming the flag or variable whose value is not valid.
    public init(settings: SettingsSource, hostName: String) throws(SettingError) {
        self.init()
        namespaces = try settings.list(Keys.namespace)
        leaderElection = try settings.toggle(Keys.leaderElect) ?? leaderElection
        leaseName = try settings.string(Keys.leaseName) ?? leaseName
        leaseNamespace = try settings.string(Keys.leaseNamespace)
        identity = try settings.string(Keys.identity) ?? hostName
        if let ttl = try settings.integer(Keys.jobTTLSeconds, in: Int32(0)...Int32.max) {
            jobTTLSecondsAfterFinished = ttl > 0 ? ttl : nil
        }
        cloneImage = try settings.string(Keys.cloneImage) ?? cloneImage
        httpPort = try settings.integer(Keys.httpPort, in: 0...65535) ?? httpPort
        workers = try settings.integer(Keys.workers, in: 1...1024) ?? workers
        externalURL = try settings.string(Keys.externalURL)
        commitStatus = try settings.toggle(Keys.commitStatus) ?? commitStatus
        if try settings.toggle(Keys.admission) == true {
            var admission = AdmissionConfiguration()
            admission.port = try settings.integer(Keys.admissionPort, in: 0...65535) ?? admission.port
            admission.namespace = try settings.string(Keys.podNamespace)
            admission.secretName = try settings.string(Keys.admissionSecret) ?? admission.secretName
            admission.serviceName = try settings.string(Keys.admissionService) ?? admission.serviceName
            admission.webhookConfigurationName =
                try settings.string(Keys.admissionWebhookConfiguration) ?? admission.webhookConfigurationName
            if let seconds = try settings.integer(Keys.admissionCheckSeconds, in: 1...86_400) {
                admission.checkInterval = .seconds(seconds)
            }
            self.admission = admission
        }
        if let text = try settings.string(Keys.logStore) {
            do {
                logStoreURL = try LogStoreURL(text)
            } catch {
                throw SettingError("\(Keys.logStore.displayName): \(error.message)")
            }
        }
    }
}
