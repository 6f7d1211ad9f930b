#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Configuration of the ``S3LogStore``.
///
/// - `endpoint`: base URL, e.g. `https://s3.eu-west-1.amazonaws.com` or `http://127.0.0.1:8333`.
/// - `region`: the SigV4 signing region (default `us-east-1`).
/// - `bucket`: the bucket the logs go to.
/// - `prefix`: a key prefix put before every key (e.g. `logs`; a trailing `/` is added).
/// - `pathStyle`: address the bucket in the path (`endpoint/bucket/key`) rather than the host name; default true
///   (what SeaweedFS, MinIO and other custom endpoints need).
/// - `credentials`: where the access key and secret come from (default: environment, then the shared credentials file).
/// - `connectTimeoutMillis`, `requestTimeoutMillis`: per request (defaults 5 s and 120 s).
/// - `maxAttempts`, `initialBackoffMillis`, `maxBackoffMillis`: retries with exponential backoff on 5xx, 429,
///   connection errors and timeouts (defaults 4 attempts, 200 ms doubling up to 5 s); 4xx is never retried.
/// - `multipartThreshold`, `partSize`: objects larger than the threshold (default 8 MiB) are uploaded in parts of
///   `partSize` bytes (default 8 MiB, at least 5 MiB).
/// - `spoolDirectory`, `spoolMaxBytes`: where puts go while S3 is unreachable (nil disables the spool), and its bound
///   (default 256 MiB).
/// - `workerThreads`: threads running libcurl's blocking calls (default 4).
/// - `listPageSize`: keys per ListObjectsV2 page (default 1000, the S3 maximum).
public struct S3Configuration: Sendable {
    public var endpoint: String
    public var region: String
    public var bucket: String
    public var prefix: String
    public var pathStyle: Bool
    public var credentials: S3CredentialSource
    public var connectTimeoutMillis: Int
    public var requestTimeoutMillis: Int
    public var maxAttempts: Int
    public var initialBackoffMillis: Int
    public var maxBackoffMillis: Int
    public var multipartThreshold: Int
    public var partSize: Int
    public var spoolDirectory: String?
    public var spoolMaxBytes: Int
    public var workerThreads: Int
    public var listPageSize: Int

    public init(
        endpoint: String, region: String = "us-east-1", bucket: String, prefix: String = "", pathStyle: Bool = true,
        credentials: S3CredentialSource = .default, connectTimeoutMillis: Int = 5000,
        requestTimeoutMillis: Int = 120_000,
        maxAttempts: Int = 4, initialBackoffMillis: Int = 200, maxBackoffMillis: Int = 5000,
        multipartThreshold: Int = 8 << 20, partSize: Int = 8 << 20, spoolDirectory: String? = nil,
        spoolMaxBytes: Int = 256 << 20, workerThreads: Int = 4, listPageSize: Int = 1000
    ) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.region = region
        self.bucket = bucket
        self.prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
        self.pathStyle = pathStyle
        self.credentials = credentials
        self.connectTimeoutMillis = connectTimeoutMillis
        self.requestTimeoutMillis = requestTimeoutMillis
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoffMillis = initialBackoffMillis
        self.maxBackoffMillis = maxBackoffMillis
        self.multipartThreshold = multipartThreshold
        self.partSize = max(5 << 20, partSize)
        self.spoolDirectory = spoolDirectory
        self.spoolMaxBytes = spoolMaxBytes
        self.workerThreads = max(1, workerThreads)
        self.listPageSize = min(1000, max(1, listPageSize))
    }
}

/// An S3 access key pair. Its description never shows the secret.
public struct S3Credentials: Sendable, Hashable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String

    public init(accessKeyID: String, secretAccessKey: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
    }

    public var description: String { "S3Credentials(accessKeyID: \(accessKeyID), secretAccessKey: <redacted>)" }
}

/// Where ``S3Credentials`` come from.
public enum S3CredentialSource: Sendable, CustomStringConvertible {
    /// `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, else the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`
    /// or `~/.aws/credentials`, profile `AWS_PROFILE` or `default`).
    case `default`
    /// Only `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`.
    case environment
    /// An AWS shared credentials file (`aws_access_key_id`/`aws_secret_access_key` under `[profile]`).
    case sharedFile(path: String, profile: String = "default")
    /// A directory holding files `accesskey` and `secretkey`, as a mounted Kubernetes Secret.
    case directory(String)
    /// Fixed credentials.
    case fixed(S3Credentials)

    public var description: String {
        switch self {
        case .default: return "default credential chain"
        case .environment: return "environment"
        case .sharedFile(let path, let profile): return "shared credentials file \(path) [\(profile)]"
        case .directory(let path): return "credentials directory \(path)"
        case .fixed(let c): return "fixed credentials for \(c.accessKeyID)"
        }
    }

    /// Reads the credentials.
    public func resolve(environment: [String: String] = S3CredentialSource.processEnvironment()) throws(LogStoreError)
        -> S3Credentials
    {
        switch self {
        case .fixed(let credentials):
            return credentials
        case .environment:
            if let c = Self.fromEnvironment(environment) { return c }
            throw Self.failure("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set")
        case .default:
            if let c = Self.fromEnvironment(environment) { return c }
            let path = environment["AWS_SHARED_CREDENTIALS_FILE"] ?? ((environment["HOME"] ?? "") + "/.aws/credentials")
            return try S3CredentialSource.sharedFile(path: path, profile: environment["AWS_PROFILE"] ?? "default")
                .resolve(environment: environment)
        case .sharedFile(let path, let profile):
            guard let text = readSmallStoreFile(path) else {
                throw Self.failure("cannot read shared credentials file \(path)")
            }
            var section = ""
            var values: [String: String] = [:]
            for raw in text.split(whereSeparator: \.isNewline) {
                let line = raw.trimmedForStore
                if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
                if line.hasPrefix("[") && line.hasSuffix("]") {
                    section = String(line.dropFirst().dropLast()).trimmedForStore
                    if section.hasPrefix("profile ") { section = String(section.dropFirst(8)).trimmedForStore }
                    continue
                }
                guard section == profile, let eq = line.firstIndex(of: "=") else { continue }
                values[String(line[..<eq]).trimmedForStore.lowercased()] =
                    String(line[line.index(after: eq)...]).trimmedForStore
            }
            guard let id = values["aws_access_key_id"], let secret = values["aws_secret_access_key"] else {
                throw Self.failure("\(path): profile [\(profile)] lacks aws_access_key_id or aws_secret_access_key")
            }
            return S3Credentials(accessKeyID: id, secretAccessKey: secret)
        case .directory(let path):
            guard let id = readSmallStoreFile(path + "/accesskey"), let secret = readSmallStoreFile(path + "/secretkey")
            else {
                throw Self.failure("\(path) must hold readable files 'accesskey' and 'secretkey'")
            }
            return S3Credentials(accessKeyID: id.trimmedForStore, secretAccessKey: secret.trimmedForStore)
        }
    }

    private static func fromEnvironment(_ environment: [String: String]) -> S3Credentials? {
        guard let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty,
            let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty
        else { return nil }
        return S3Credentials(accessKeyID: id, secretAccessKey: secret)
    }

    private static func failure(_ message: String) -> LogStoreError {
        LogStoreError(.configuration, message: "S3 credentials: " + message)
    }
}

extension S3CredentialSource {
    /// The process environment as a dictionary.
    public static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let string = String(cString: entry)
            if let eq = string.firstIndex(of: "=") {
                result[String(string[..<eq])] = String(string[string.index(after: eq)...])
            }
            pointer += 1
        }
        return result
    }
}

func readSmallStoreFile(_ path: String, limit: Int = 1 << 20) -> String? {
    readStoreFileBytes(path, limit: limit).map { String(decoding: $0, as: UTF8.self) }
}

func readStoreFileBytes(_ path: String, limit: Int = .max) -> [UInt8]? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while bytes.count < limit {
        let n = fread(&chunk, 1, chunk.count, file)
        if n <= 0 { break }
        bytes.append(contentsOf: chunk[0..<n])
    }
    return bytes
}

extension StringProtocol {
    var trimmedForStore: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
