import AsyncHTTPClient
import C8SCommon
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// A Kubernetes API client: typed verbs over any `KubeResource`, with the real paths, query parameters and
/// content types of the API, so the same code runs against a cluster and against the test server.
///
/// Create one per process with `withKubeClient(configuration:logger:_:)` (or `init` + `shutdown()`).
public final class KubeClient: Sendable {
    public let configuration: KubeClientConfiguration
    let http: HTTPClient
    let tokenSource: TokenSource?
    let logger: Logger

    /// The HTTP/1.1 connections kept to the API server (watches included).
    static let connectionsPerHost = 64

    /// A client for `configuration`; call `shutdown()` when done.
    public init(configuration: KubeClientConfiguration, logger: Logger = Logger(label: "c8s.kube")) throws {
        self.configuration = configuration
        self.logger = logger
        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.timeout = .init(
            connect: .nanoseconds(configuration.connectTimeout.nanoseconds), read: nil)
        httpConfiguration.redirectConfiguration = .disallow
        // Each watch holds an HTTP/1.1 connection for as long as it runs (a coordinator runs seven informers per
        // namespace), so AsyncHTTPClient's default of 8 connections per host would leave requests queueing behind
        // them.
        httpConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = Self.connectionsPerHost
        if configuration.server.hasPrefix("https") {
            httpConfiguration.tlsConfiguration = try Self.tlsConfiguration(configuration)
        }
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: httpConfiguration)
        if case .tokenFile(let path) = configuration.credentials {
            tokenSource = TokenSource(path: path)
        } else {
            tokenSource = nil
        }
    }

    /// Closes the client's connections.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    static func tlsConfiguration(_ configuration: KubeClientConfiguration) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            if let ca = configuration.certificateAuthorityPEM {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(ca))
            }
            if let certificate = configuration.clientCertificatePEM, let key = configuration.clientKeyPEM {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(certificate).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
            }
        } catch {
            throw KubeConfigError("the kubeconfig's TLS material is not valid PEM: \(error)")
        }
        if configuration.insecureSkipTLSVerify {
            tls.certificateVerification = .none
        }
        return tls
    }

    // MARK: Paths

    /// The path of a collection (`name` nil) or an object, optionally of a subresource.
    func path<R: KubeResource>(_ type: R.Type, namespace: String?, name: String? = nil, subresource: String? = nil)
        -> String
    {
        var path = R.groupVersionPath
        if R.namespaced, let namespace {
            path += "/namespaces/\(PercentEncoding.encode(namespace))"
        }
        path += "/\(R.plural)"
        if let name {
            path += "/\(PercentEncoding.encode(name))"
            if let subresource { path += "/\(subresource)" }
        }
        return path
    }

    /// The namespace a request uses: the given one, else the configuration's default (nil for cluster scope).
    func resolvedNamespace<R: KubeResource>(_ type: R.Type, _ namespace: String?) -> String? {
        R.namespaced ? (namespace ?? configuration.namespace) : nil
    }

    // MARK: Requests

    struct Response {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    /// Sends one request and collects its body; non-2xx responses throw `KubeError`; 429 is retried after its
    /// Retry-After up to `maxRetriesOnTooManyRequests` times.
    func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil,
        contentType: String = "application/json"
    ) async throws -> Response {
        let bodyBytes = try body.map { Array(try KubeCodec.encode($0)) }
        var attempt = 0
        while true {
            let (request, label) = try prepare(method, path, query: query, body: bodyBytes, contentType: contentType)
            let response: HTTPClientResponse
            do {
                response = try await http.execute(
                    request, timeout: .nanoseconds(Int64(configuration.requestTimeout.nanoseconds)), logger: logger)
            } catch let error as HTTPClientError where error == .deadlineExceeded {
                throw KubeError(
                    code: .timeout, request: label, httpStatus: nil, status: nil,
                    detail: "no response within \(configuration.requestTimeout)")
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if Task.isCancelled { throw CancellationError() }
                throw KubeError.transport(request: label, error)
            }
            let bytes: [UInt8]
            do {
                bytes = Array(buffer: try await response.body.collect(upTo: 256 * 1024 * 1024))
            } catch {
                throw KubeError.transport(request: label, error)
            }
            let code = Int(response.status.code)
            if (200..<300).contains(code) {
                return Response(status: code, headers: response.headers, body: bytes)
            }
            let error = KubeError.response(
                request: label, httpStatus: code, body: bytes,
                retryAfterHeader: response.headers.first(name: "Retry-After"))
            if error.code == .unauthorized, attempt == 0, let tokenSource {
                tokenSource.invalidate()
                attempt += 1
                continue
            }
            if error.code == .tooManyRequests, attempt < configuration.maxRetriesOnTooManyRequests {
                attempt += 1
                let delay = min(error.retryAfter ?? .seconds(1), .seconds(60))
                logger.debug(
                    "throttled; retrying",
                    metadata: [
                        "kube.request": "\(label)", "kube.retry_after": "\(delay)",
                    ])
                try await Task.sleep(for: delay)
                continue
            }
            throw error
        }
    }

    /// Sends a request and returns its response head with the unread body (for watches).
    func open(_ method: HTTPMethod, _ path: String, query: [(String, String)]) async throws -> (
        HTTPClientResponse, String
    ) {
        let (request, label) = try prepare(method, path, query: query, body: nil, contentType: "application/json")
        let response: HTTPClientResponse
        do {
            response = try await http.execute(
                request, timeout: .nanoseconds(Int64(configuration.requestTimeout.nanoseconds)), logger: logger)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw KubeError.transport(request: label, error)
        }
        let code = Int(response.status.code)
        guard (200..<300).contains(code) else {
            let bytes = Array(buffer: (try? await response.body.collect(upTo: 1024 * 1024)) ?? ByteBuffer())
            throw KubeError.response(
                request: label, httpStatus: code, body: bytes,
                retryAfterHeader: response.headers.first(name: "Retry-After"))
        }
        return (response, label)
    }

    private func prepare(
        _ method: HTTPMethod, _ path: String, query: [(String, String)], body: [UInt8]?, contentType: String
    ) throws -> (HTTPClientRequest, String) {
        var url = configuration.server + path
        if !query.isEmpty {
            url += "?" + query.map { "\($0.0)=\(PercentEncoding.encode($0.1))" }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: configuration.userAgent)
        switch configuration.credentials {
        case .none: break
        case .token(let token): request.headers.add(name: "Authorization", value: "Bearer \(token)")
        case .tokenFile:
            if let token = try tokenSource?.token() {
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
            }
        case .basic(let username, let password):
            let encoded = Data("\(username):\(password)".utf8).base64EncodedString()
            request.headers.add(name: "Authorization", value: "Basic \(encoded)")
        }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return (request, "\(method.rawValue) \(path)")
    }
}

/// Runs `body` with a client for `configuration`, shutting it down afterwards.
public func withKubeClient<T>(
    configuration: KubeClientConfiguration, logger: Logger = Logger(label: "c8s.kube"),
    _ body: (KubeClient) async throws -> T
) async throws -> T {
    let client = try KubeClient(configuration: configuration, logger: logger)
    do {
        let result = try await body(client)
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
