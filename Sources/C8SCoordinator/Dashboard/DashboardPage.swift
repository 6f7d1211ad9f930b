import HTTPTypes
import Hummingbird
import NIOCore

/// The frame of every dashboard page (navigation, the signed-in user, sign-out) and the headers of every dashboard
/// response: a Content-Security-Policy that allows scripts, styles and connections from the coordinator only (no
/// inline script or style), no framing, no MIME sniffing, no referrer, no caching.
struct DashboardPage: Sendable {
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    var title: String
    /// The signed-in user's name (nil on the sign-in page).
    var user: String?
    /// The CSRF token for the sign-out form and the page's own forms.
    var csrf: String?
    /// Which navigation entry is current: `runs` or `pipelines`.
    var section: String?
    /// Escaped HTML of the main content.
    var body: String
    /// Scripts under `/assets/`.
    var scripts: [String] = []

    var html: String {
        var out = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        out += "<title>\(HTML.escape(title)) · c8s</title>"
        out += "<link rel=\"stylesheet\" href=\"/assets/dashboard.css\">"
        for script in scripts { out += "<script src=\"/assets/\(HTML.escape(script))\" defer></script>" }
        out += "</head><body><header class=\"top\"><a class=\"brand\" href=\"/\">c8s</a>"
        if let user {
            out += "<nav>"
            for (id, label, href) in [("runs", "Runs", "/runs"), ("pipelines", "Pipelines", "/pipelines")] {
                let current = section == id ? " aria-current=\"page\"" : ""
                out += "<a href=\"\(href)\"\(current)>\(label)</a>"
            }
            out += "</nav><span class=\"user\">\(HTML.escape(user))</span>"
            out += "<form method=\"post\" action=\"/logout\" class=\"inline\">"
            out += "<input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape(csrf ?? ""))\">"
            out += "<button type=\"submit\">Sign out</button></form>"
        }
        out += "</header><main>\(body)</main></body></html>"
        return out
    }

    /// The page as a response.
    func response(status: HTTPResponse.Status = .ok) -> Response {
        Self.response(html, status: status, contentType: "text/html; charset=utf-8")
    }

    /// A response with the dashboard's security headers.
    static func response(_ text: String, status: HTTPResponse.Status = .ok, contentType: String) -> Response {
        Response(
            status: status, headers: headers(contentType: contentType),
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func headers(contentType: String) -> HTTPFields {
        var headers: HTTPFields = [
            .contentType: contentType, .cacheControl: "no-store", .contentSecurityPolicy: contentSecurityPolicy,
        ]
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return headers
    }

    /// A 303 to `location` with the security headers.
    static func redirect(_ location: String, cookies: [Cookie] = []) -> Response {
        var headers = headers(contentType: "text/plain; charset=utf-8")
        headers[.location] = location
        var response = Response(status: .seeOther, headers: headers)
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }

    /// An error page: the status, a heading and the API's message (403 names user, verb and resource).
    static func problem(_ problem: APIProblem, user: String?, csrf: String?) -> Response {
        let heading: String
        switch problem.code {
        case 403: heading = "Forbidden"
        case 404: heading = "Not found"
        case 400: heading = "Bad request"
        default: heading = problem.reason
        }
        var body =
            "<section class=\"problem\" data-code=\"\(problem.code)\"><h1>\(problem.code) \(HTML.escape(heading))</h1>"
        body += "<p class=\"message\">\(HTML.escape(problem.message))</p>"
        if problem.code == 403 {
            body += "<p>Your Kubernetes RBAC does not allow this. Ask a cluster administrator for a Role with that "
            body += "verb and resource (group <code>c8s.dev</code>) in this namespace.</p>"
        }
        body += "<p><a href=\"/runs\">Back to the runs</a></p></section>"
        return DashboardPage(title: heading, user: user, csrf: csrf, body: body)
            .response(status: HTTPResponse.Status(code: problem.code))
    }
}
