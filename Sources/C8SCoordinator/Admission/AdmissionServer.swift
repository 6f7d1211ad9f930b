import C8SCommon
import C8SKube
import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// The validating admission webhook of one coordinator replica, served by every replica (not only the leader):
/// `POST /admission` over HTTPS takes an AdmissionReview v1 and answers with ``AdmissionReviewer``'s decision.
///
/// On start it gets its certificate from ``AdmissionCertificateManager`` (retrying with backoff while the API
/// server cannot be reached), then serves, and every `checkInterval` syncs again: a renewed certificate (its own
/// or another replica's) is used from the next TLS handshake on, without a restart.
public final class AdmissionServer: Service, Sendable {
    public let manager: AdmissionCertificateManager
    let reviewer: AdmissionReviewer
    let host: String
    let configuration: AdmissionConfiguration
    let logger: Logger
    let onServerRunning: @Sendable (Int) async -> Void
    static let backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(30))

    public init(
        client: KubeClient, configuration: AdmissionConfiguration, host: String, reviewer: AdmissionReviewer,
        logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.manager = AdmissionCertificateManager(client: client, configuration: configuration, logger: logger)
        self.reviewer = reviewer
        self.host = host
        self.configuration = configuration
        self.logger = logger
        self.onServerRunning = onServerRunning
    }

    public func run() async throws {
        let first: AdmissionCertificateManager.Served? = try await cancelWhenGracefulShutdown {
            var attempt = 0
            while true {
                do {
                    try await self.manager.sync()
                    return self.manager.current
                } catch is CancellationError {
                    return nil
                } catch {
                    attempt += 1
                    self.logger.warning(
                        "admission certificates not ready; retrying",
                        metadata: ["error.message": "\(error)", "retry.attempt": "\(attempt)"])
                    do {
                        try await Task.sleep(for: Self.backoff.jitteredDelay(attempt: attempt))
                    } catch {
                        return nil
                    }
                }
            }
        }
        guard let first else { return }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: first.chain.map { .certificate($0) }, privateKey: .privateKey(first.key))
        tls.minimumTLSVersion = .tlsv12
        tls.sslContextCallback = { [manager] _, promise in
            var override = NIOSSLContextConfigurationOverride()
            if let served = manager.current {
                override.certificateChain = served.chain.map { .certificate($0) }
                override.privateKey = .privateKey(served.key)
            }
            promise.succeed(override)
        }
        let app = Application(
            router: router(), server: try .tls(.http1(), tlsConfiguration: tls),
            configuration: .init(address: .hostname(host, port: configuration.port)),
            onServerRunning: { [onServerRunning] channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await app.run() }
            group.addTask { await self.renewLoop() }
        }
    }

    /// Syncs every `checkInterval` until graceful shutdown.
    private func renewLoop() async {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: self.configuration.checkInterval)
                do {
                    try await self.manager.sync()
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.warning("admission certificate check failed", metadata: ["error.message": "\(error)"])
                }
            }
        }
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ in "ok" }
        router.post(RouterPath(AdmissionConfiguration.path)) { [reviewer, logger] request, _ -> Response in
            let body = try await request.body.collect(upTo: AdmissionRequest.maxBodyBytes)
            let response = await reviewer.review(Array(body.readableBytesView))
            if !response.allowed {
                logger.info(
                    "admission denied",
                    metadata: ["admission.uid": "\(response.uid)", "admission.code": "\(response.code)"])
            }
            return Response(
                status: response.code == 400 && response.uid.isEmpty ? .badRequest : .ok,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: response.review.serializedBytes)))
        }
        return router
    }
}
