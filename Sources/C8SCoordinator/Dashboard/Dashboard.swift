import C8SAPI
import C8SKube
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The web dashboard under `/` (docs/dashboard.md): server-rendered pages of runs, pipelines, one run (its DAG as
/// SVG) and one step's log, with small scripts from `/assets/` for live updates and the log viewer. It
/// authenticates and authorizes exactly as the REST API does (``CoordinatorAPI``): the session cookie holds the
/// bearer token pasted at sign-in, every page asks SubjectAccessReviews for the user, and POST forms carry a CSRF
/// token. Pages read runs and configs from the ``RunCache``.
struct Dashboard: Sendable {
    let api: CoordinatorAPI
    let cache: RunCache
    let logger: Logger

    var configuration: DashboardConfiguration { api.configuration.dashboard }

    /// The signed-in caller of a page and its CSRF token.
    struct Viewer: Sendable {
        var user: APIUser
        var csrf: String
        var needsCSRF: Bool
    }

    /// Thrown by handlers: answered as a redirect (sign-in) or an error page.
    enum Outcome: Error {
        case signIn
        case problem(APIProblem, Viewer?)
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in DashboardPage.redirect("/runs") }
        router.get("/login") { request, _ in loginPage(request, message: nil) }
        router.post("/login") { request, _ in try await login(request) }
        router.post("/logout") { request, _ in await page(request) { try await logout(request, $0) } }
        router.get("/runs") { request, _ in await page(request) { try await runsPage(request, $0) } }
        router.get("/runs/:namespace/:name") { request, context in
            await page(request) { try await runPage(request, context, $0) }
        }
        router.post("/runs/:namespace/:name/cancel") { request, context in
            await page(request) { try await cancel(request, context, $0) }
        }
        router.post("/runs/:namespace/:name/rerun") { request, context in
            await page(request) { try await rerun(request, context, $0) }
        }
        router.get("/runs/:namespace/:name/steps/:step") { request, context in
            await page(request) { try await logPage(request, context, $0) }
        }
        router.get("/pipelines") { request, _ in await page(request) { try await pipelinesPage(request, $0) } }
        router.post("/pipelines/:namespace/:name/run") { request, context in
            await page(request) { try await startRun(request, context, $0) }
        }
        router.get("/assets/:file") { _, context in
            let file = try context.parameters.require("file")
            guard let asset = DashboardAssets.files[file] else {
                return DashboardPage.response("not found", status: .notFound, contentType: "text/plain")
            }
            var headers = DashboardPage.headers(contentType: asset.contentType)
            headers[.cacheControl] = "no-cache"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: asset.text)))
        }
    }

    // MARK: - Authentication

    /// Runs a page handler for the signed-in viewer; no session: to the sign-in page; errors: an error page.
    func page(_ request: Request, _ body: (Viewer) async throws -> Response) async -> Response {
        let viewer: Viewer
        do {
            let caller = try await api.caller(request, checkCSRF: false)
            viewer = Viewer(
                user: caller.user, csrf: api.csrf.token(for: caller.csrfIdentity ?? "header:" + caller.user.name),
                needsCSRF: caller.source != .header)
        } catch let problem {
            if problem.code == 401 {
                let next = request.method == .get ? request.uri.description : "/runs"
                var cookies: [Cookie] = []
                if Self.hasSessionCookie(request) { cookies.append(clearedSession()) }
                return DashboardPage.redirect("/login?next=\(HTML.component(next))", cookies: cookies)
            }
            return DashboardPage.problem(problem, user: nil, csrf: nil)
        }
        do {
            return try await body(viewer)
        } catch let problem as APIProblem {
            return DashboardPage.problem(problem, user: viewer.user.name, csrf: viewer.csrf)
        } catch {
            logger.error("dashboard request failed", metadata: ["error.message": "\(error)"])
            return DashboardPage.problem(
                APIProblem(code: 500, reason: "InternalError", message: "\(error)"), user: viewer.user.name,
                csrf: viewer.csrf)
        }
    }

    static func hasSessionCookie(_ request: Request) -> Bool {
        request.cookies[CoordinatorAPI.sessionCookie] != nil
    }

    /// Checks the form's CSRF token (browser sessions only).
    func verifyForm(_ form: [String: String], _ viewer: Viewer) throws(APIProblem) {
        guard viewer.needsCSRF else { return }
        guard let token = form["csrf"], token == viewer.csrf else {
            throw .forbidden("the form's CSRF token is missing or stale: reload the page and try again")
        }
    }

    /// The url-encoded form of a POST (at most 16 KiB).
    static func form(_ request: Request) async throws -> [String: String] {
        var request = request
        let body = try await request.collectBody(upTo: 16 * 1024)
        return parseForm(String(buffer: body))
    }

    static func parseForm(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&").prefix(64) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ value: Substring) -> String {
                value.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            guard let key = parts.first else { continue }
            fields[decode(key)] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    /// A local path to go to after sign-in (`/runs` unless `next` is a path on this site).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\"), next.utf8.count <= 2048,
            !next.contains(where: { $0.isNewline })
        else { return "/runs" }
        return next
    }

    func sessionCookie(_ token: String) -> Cookie {
        Cookie(
            name: CoordinatorAPI.sessionCookie, value: CSRFToken.base64URL(Array(token.utf8)),
            maxAge: Int(configuration.sessionMaxAge.components.seconds), path: "/",
            secure: configuration.secureCookies, httpOnly: true, sameSite: .strict)
    }

    func clearedSession() -> Cookie {
        Cookie(
            name: CoordinatorAPI.sessionCookie, value: "", maxAge: 0, path: "/", secure: configuration.secureCookies,
            httpOnly: true, sameSite: .strict)
    }

    static let loginCookie = "c8s_login"

    func loginPage(_ request: Request, message: String?, status: HTTPResponse.Status = .ok) -> Response {
        let next = Self.safeNext(request.uri.queryParameters.get("next").map { String($0) })
        let nonce = CSRFToken.base64URL((0..<24).map { _ in UInt8.random(in: 0...255) })
        var body = "<section class=\"login\"><h1>Sign in to c8s</h1>"
        if let message { body += "<p class=\"error\" role=\"alert\">\(HTML.escape(message))</p>" }
        body += "<p>Paste a Kubernetes bearer token: a service account token (<code>kubectl create token NAME</code>) "
        body += "or your OIDC id token. The coordinator checks it with a TokenReview and keeps it in an HttpOnly "
        body += "cookie of this site only; you see what your RBAC allows.</p>"
        body += "<form method=\"post\" action=\"/login\">"
        body += "<input type=\"hidden\" name=\"next\" value=\"\(HTML.escape(next))\">"
        body += "<input type=\"hidden\" name=\"nonce\" value=\"\(nonce)\">"
        body += "<label for=\"token\">Token</label><textarea id=\"token\" name=\"token\" rows=\"4\" required "
        body += "autocomplete=\"off\" spellcheck=\"false\"></textarea>"
        body += "<button type=\"submit\">Sign in</button></form></section>"
        var response = DashboardPage(title: "Sign in", body: body).response(status: status)
        response.setCookie(
            Cookie(
                name: Self.loginCookie, value: nonce, maxAge: 600, path: "/login", secure: configuration.secureCookies,
                httpOnly: true, sameSite: .strict))
        return response
    }

    /// `POST /login`: reviews the pasted token; on success sets the session cookie and goes to `next`.
    func login(_ request: Request) async throws -> Response {
        let form = try await Self.form(request)
        guard let nonce = form["nonce"], !nonce.isEmpty, request.cookies[Self.loginCookie]?.value == nonce else {
            return loginPage(request, message: "The sign-in form expired; try again.", status: .forbidden)
        }
        let token = (form["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty, token.utf8.count <= 12 * 1024 else {
            return loginPage(request, message: "Paste a token (at most 12 KiB).", status: .badRequest)
        }
        do {
            let user = try await api.reviewer.authenticate(authorization: "Bearer " + token)
            logger.info("dashboard sign-in", metadata: ["user.name": "\(user.name)"])
        } catch let problem {
            return loginPage(
                request, message: problem.code == 401 ? "The token is not valid." : problem.message,
                status: HTTPResponse.Status(code: problem.code))
        }
        return DashboardPage.redirect(Self.safeNext(form["next"]), cookies: [sessionCookie(token)])
    }

    func logout(_ request: Request, _ viewer: Viewer) async throws -> Response {
        try verifyForm(try await Self.form(request), viewer)
        return DashboardPage.redirect("/login", cookies: [clearedSession()])
    }

    // MARK: - Access

    /// The namespaces shown for a filter: the filter's (checked: 403 when denied), else every cached namespace the
    /// viewer may `verb resource` in.
    func namespaces(
        _ filter: String?, verb: String, resource: String, _ viewer: Viewer, known: [String]? = nil
    ) async throws -> [String] {
        if let filter {
            try await authorize(viewer, verb: verb, resource: resource, namespace: filter)
            return [filter]
        }
        var allowed: [String] = []
        for namespace in (known ?? cache.namespaces).prefix(256)
        where await api.may(viewer.user, verb: verb, resource: resource, namespace: namespace) {
            allowed.append(namespace)
        }
        return allowed
    }

    func authorize(
        _ viewer: Viewer, verb: String, resource: String, subresource: String? = nil, namespace: String,
        name: String? = nil
    ) async throws(APIProblem) {
        try await api.reviewer.authorize(
            viewer.user,
            .init(
                namespace: namespace, verb: verb, group: C8SGroup.name, resource: resource, subresource: subresource,
                name: name))
    }

    func synced() async throws(APIProblem) {
        guard await cache.waitForSync() else {
            throw APIProblem(
                code: 503, reason: "ServiceUnavailable",
                message: "the coordinator's caches of runs and configs are not filled yet (is the API server up?)")
        }
    }
}
