import C8SKube
import C8SLogs

extension AgentConfiguration {
    /// The flags and environment variables of `c8s-agent`, one per property (see the type's key list).
    public enum Keys {
        // The defaults the help states, read from the properties' initial values (the store URL is required).
        static let defaults = AgentConfiguration(nodeName: "", logStoreURL: try! LogStoreURL("file:///"))

        public static let nodeName = SettingKey.value(
            "node-name", "NODE_NAME", name: "NAME", help: "The node whose step Pods are shipped (required).")
        public static let logRoot = SettingKey.value(
            "log-root", "C8S_LOG_ROOT", name: "DIR",
            help: "Where the container runtime writes Pod logs (default \(defaults.logRoot)).")
        public static let stateDirectory = SettingKey.value(
            "state-dir", "C8S_STATE_DIR", name: "DIR",
            help: "Checkpoint directory (default \(defaults.stateDirectory)).")
        public static let logStore = SettingKey.value(
            "log-store", "C8S_LOG_STORE", name: "URL",
            help: "Log store, s3://BUCKET/PREFIX or file:///PATH (required). S3 settings come from C8S_S3_ENDPOINT, "
                + "C8S_S3_REGION, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or C8S_S3_CREDENTIALS_DIR, C8S_S3_SPOOL_DIR.")
        public static let httpPort = SettingKey.value(
            "http-port", "C8S_AGENT_PORT", name: "PORT",
            help: "Port of /v1/live, /healthz, /readyz and /metrics (default \(defaults.httpPort), 0 picks one).")
        public static let advertiseURL = SettingKey.value(
            "advertise-url", "C8S_AGENT_ADVERTISE_URL", name: "URL",
            help: "Base URL written into the Pods' c8s.dev/agent-url annotation (default http://$POD_IP:<port>).")
        public static let advertiseHost = SettingKey.variable(
            "POD_IP", help: "The host of the default advertised URL (the Pod IP, from the downward API).")
        public static let namespace = SettingKey.list(
            "namespace", "C8S_NAMESPACES", name: "NAMESPACE",
            help: "Namespace whose Pods are shipped; repeatable. Default: all.")
        public static let statusInterval = SettingKey.value(
            "status-interval", "C8S_STATUS_INTERVAL", name: "SECONDS",
            help: "Seconds between log progress writes into run status (default \(defaults.statusInterval)).")
    }

    /// Every key `c8s-agent` reads, in help order: ``ProcessSettings/keys`` and ``Keys``.
    public static let settingKeys: [SettingKey] =
        ProcessSettings.keys + [
            Keys.nodeName, Keys.logRoot, Keys.stateDirectory, Keys.logStore, Keys.httpPort, Keys.advertiseURL,
            Keys.namespace, Keys.statusInterval, Keys.advertiseHost,
        ]

    /// The configuration `settings` give, over the defaults: the one place flags and environment map onto it.
    /// - Throws: ``SettingError`` naming the flag or variable that is missing (`--node-name`, `--log-store`) or
    ///   whose value is not valid.
    public init(settings: SettingsSource) throws(SettingError) {
        guard let node = try settings.string(Keys.nodeName) else {
            throw SettingError(
                "\(Keys.nodeName.displayName) is required: the node whose Pods this agent ships")
        }
        guard let storeText = try settings.string(Keys.logStore) else {
            throw SettingError("\(Keys.logStore.displayName) is required: s3://BUCKET/PREFIX or file:///PATH")
        }
        let storeURL: LogStoreURL
        do {
            storeURL = try LogStoreURL(storeText)
        } catch {
            throw SettingError("\(Keys.logStore.displayName): \(error.message)")
        }
        self.init(nodeName: node, logStoreURL: storeURL)
        logRoot = try settings.string(Keys.logRoot) ?? logRoot
        stateDirectory = try settings.string(Keys.stateDirectory) ?? stateDirectory
        httpPort = try settings.integer(Keys.httpPort, in: 0...65535) ?? httpPort
        namespaces = try settings.list(Keys.namespace)
        statusInterval = try settings.seconds(Keys.statusInterval) ?? statusInterval
        advertiseURL = try settings.string(Keys.advertiseURL)
        advertiseHost = try settings.string(Keys.advertiseHost)
    }
}
