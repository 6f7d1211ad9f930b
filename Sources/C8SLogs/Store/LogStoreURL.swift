import Logging

/// Where a process keeps step logs, written as one URL so that the agent (which writes) and the coordinator (which
/// reads) are configured the same way:
///
/// - `s3://BUCKET/PREFIX` — an S3 bucket and key prefix. The endpoint, region and credentials come from
///   ``S3Settings`` (flags or `C8S_S3_ENDPOINT`, `C8S_S3_REGION`, `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, a
///   shared credentials file, or `C8S_S3_CREDENTIALS_DIR` holding `accesskey`/`secretkey`).
/// - `file:///ABSOLUTE/PATH` — a directory (one machine: `c8s-sim` by hand, local mode).
///
/// ``logURL(namespace:run:step:)`` names where one step's logs are (`s3://bucket/prefix/ns/run/step/`), the form
/// put into `PipelineRun.status.steps[].logURL`.
public struct LogStoreURL: Sendable, Hashable, CustomStringConvertible {
    /// The backend and its place.
    public enum Backend: Sendable, Hashable {
        case s3(bucket: String, prefix: String)
        case directory(String)
    }

    public let backend: Backend

    /// Parses `s3://BUCKET[/PREFIX]` or `file:///PATH`.
    /// - Throws: ``LogStoreError`` naming the URL and what is wrong with it.
    public init(_ string: String) throws(LogStoreError) {
        if string.hasPrefix("s3://") {
            let rest = string.dropFirst(5)
            let bucket = rest.prefix { $0 != "/" }
            guard !bucket.isEmpty else {
                throw LogStoreError(
                    .configuration, message: "log store URL '\(string)' names no bucket (s3://BUCKET/PREFIX)")
            }
            var prefix = String(rest.dropFirst(bucket.count).drop { $0 == "/" })
            while prefix.hasSuffix("/") { prefix.removeLast() }
            backend = .s3(bucket: String(bucket), prefix: prefix)
        } else if string.hasPrefix("file://") {
            var path = String(string.dropFirst(7))
            while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
            guard path.hasPrefix("/") else {
                throw LogStoreError(
                    .configuration, message: "log store URL '\(string)' must name an absolute path (file:///PATH)")
            }
            backend = .directory(path)
        } else {
            throw LogStoreError(
                .configuration, message: "log store URL '\(string)' must start with s3:// or file://")
        }
    }

    public var description: String {
        switch backend {
        case .s3(let bucket, let prefix): return prefix.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(prefix)"
        case .directory(let path): return "file://\(path)"
        }
    }

    /// Where the logs of one step are: `<url>/<namespace>/<run>/<step>/`.
    public func logURL(namespace: String, run: String, step: String) -> String {
        "\(description)/\(namespace)/\(run)/\(step)/"
    }
}

/// The S3 connection settings that a `s3://` ``LogStoreURL`` does not carry.
///
/// - `endpoint`: the S3 endpoint URL (`C8S_S3_ENDPOINT`; default `https://s3.<region>.amazonaws.com`).
/// - `region`: the signing region (`C8S_S3_REGION`, else `AWS_REGION`; default `us-east-1`).
/// - `credentialsDirectory`: a directory with `accesskey` and `secretkey` files (`C8S_S3_CREDENTIALS_DIR`); without
///   it, the default chain (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, then the shared credentials file).
/// - `spoolDirectory`: where writes wait while S3 is unreachable (`C8S_S3_SPOOL_DIR`; nil: no spool).
public struct S3Settings: Sendable, Hashable {
    public var endpoint: String?
    public var region: String
    public var credentialsDirectory: String?
    public var spoolDirectory: String?

    public init(
        endpoint: String? = nil, region: String = "us-east-1", credentialsDirectory: String? = nil,
        spoolDirectory: String? = nil
    ) {
        self.endpoint = endpoint
        self.region = region
        self.credentialsDirectory = credentialsDirectory
        self.spoolDirectory = spoolDirectory
    }

    /// The settings from the environment variables named above.
    public static func fromEnvironment(_ environment: [String: String] = S3CredentialSource.processEnvironment())
        -> S3Settings
    {
        S3Settings(
            endpoint: environment["C8S_S3_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 },
            region: environment["C8S_S3_REGION"] ?? environment["AWS_REGION"] ?? "us-east-1",
            credentialsDirectory: environment["C8S_S3_CREDENTIALS_DIR"].flatMap { $0.isEmpty ? nil : $0 },
            spoolDirectory: environment["C8S_S3_SPOOL_DIR"].flatMap { $0.isEmpty ? nil : $0 })
    }
}

extension LogStoreURL {
    /// Opens the store. An S3 store must be run (``S3LogStore/run()``) for its spool to drain; ``withLogStore(_:)``
    /// does that.
    public func open(s3 settings: S3Settings = .fromEnvironment(), logger: Logger) throws -> any LogStore {
        switch backend {
        case .directory(let path):
            return DirectoryLogStore(root: path)
        case .s3(let bucket, let prefix):
            return try S3LogStore(
                configuration: S3Configuration(
                    endpoint: settings.endpoint ?? "https://s3.\(settings.region).amazonaws.com",
                    region: settings.region, bucket: bucket, prefix: prefix,
                    pathStyle: settings.endpoint != nil,
                    credentials: settings.credentialsDirectory.map { .directory($0) } ?? .default,
                    spoolDirectory: settings.spoolDirectory),
                logger: logger)
        }
    }

    /// Opens the store and runs `body` with it; an S3 store's spool drains in the background meanwhile.
    public func withLogStore<T: Sendable>(
        s3 settings: S3Settings = .fromEnvironment(), logger: Logger,
        _ body: @Sendable (any LogStore) async throws -> T
    ) async throws -> T {
        let store = try open(s3: settings, logger: logger)
        guard let s3 = store as? S3LogStore else { return try await body(store) }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await s3.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(s3)
        }
    }
}
