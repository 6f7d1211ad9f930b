import AsyncHTTPClient
import C8SVersion
import Foundation
import NIOCore
import NIOHTTP1

/// Asks a coordinator which version it runs: `GET <url>/version`, unauthenticated, answered with
/// ``BuildVersion``'s JSON.
public enum CoordinatorVersionClient {
    /// How long the whole request may take.
    public static let timeout: TimeAmount = .seconds(10)

    /// The coordinator's URL: `url` (`--coordinator`), else `C8S_COORDINATOR`; nil when neither is set.
    ///
    /// - Throws: ``ClientError/configuration(_:)`` for a URL that is not `http://HOST[:PORT]` or `https://HOST…`.
    public static func coordinatorURL(
        _ url: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ClientError) -> String? {
        let given = [url, environment["C8S_COORDINATOR"]]
            .compactMap { $0?.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty }
        guard let given else { return nil }
        guard given.hasPrefix("http://") || given.hasPrefix("https://"), URL(string: given)?.host != nil else {
            throw .configuration("invalid coordinator URL \"\(given)\": use http://HOST:PORT or https://HOST")
        }
        return given.hasSuffix("/") ? String(given.dropLast()) : given
    }

    /// Fetches the version of the coordinator at `url` (without a trailing slash).
    ///
    /// - Throws: ``ClientError/unreachable(_:)`` when it cannot be reached or answers other than 200, and
    ///   ``ClientError/failed(_:)`` when its answer is not a version (see ``BuildVersion/init(json:)``).
    public static func fetch(url: String) async throws(ClientError) -> BuildVersion {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: timeout, read: timeout)
        configuration.redirectConfiguration = .disallow
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let result: Result<BuildVersion, ClientError>
        do {
            result = .success(try await fetch(url: url, http: http))
        } catch {
            result = .failure(error)
        }
        try? await http.shutdown()
        return try result.get()
    }

    private static func fetch(url: String, http: HTTPClient) async throws(ClientError) -> BuildVersion {
        var request = HTTPClientRequest(url: url + "/version")
        request.headers.add(name: "Accept", value: "application/json")
        let status: HTTPResponseStatus
        let body: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: timeout)
            status = response.status
            // One byte more than a version may have, so a larger answer is refused rather than cut.
            body = try await response.body.collect(upTo: BuildVersion.maximumBodySize + 1)
        } catch let error as NIOTooManyBytesError {
            throw .failed(
                "the coordinator at \(url) answered GET /version with more than \(BuildVersion.maximumBodySize) "
                    + "bytes: \(error)")
        } catch {
            throw .unreachable(
                "cannot reach the coordinator at \(url): \(error) — is the port-forward running and C8S_COORDINATOR "
                    + "right? (kubectl -n c8s-system port-forward svc/c8s-coordinator 8080:80)")
        }
        guard status == .ok else {
            throw .unreachable(
                "the coordinator at \(url) answered GET /version with \(status.code) \(status.reasonPhrase): is it "
                    + "a c8s coordinator?")
        }
        do {
            return try BuildVersion(json: body.readableBytesView)
        } catch {
            throw .failed("the coordinator at \(url): \(error.message)")
        }
    }
}
