import C8SVersion
import Hummingbird
import NIOCore

/// `GET /version`: the coordinator's version and git revision as `{"revision":"…","version":"…"}`, unauthenticated
/// like the API server's `/version` (it names a build, nothing about the cluster). `c8s version` reads it.
enum VersionEndpoint {
    /// Adds the route to `router`, answering `version`.
    static func register(on router: Router<BasicRequestContext>, version: BuildVersion = .current) {
        let body = version.json
        router.get("/version") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}
