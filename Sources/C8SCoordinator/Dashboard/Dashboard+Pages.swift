import C8SAPI
import C8SKube
import Foundation
import HTTPTypes
import Hummingbird

/// The dashboard's pages and form actions.
extension Dashboard {
    static let phases = ["Pending", "Running", "Succeeded", "Failed", "Cancelled"]

    func runsPage(_ request: Request, _ viewer: Viewer) async throws -> Response {
        try await synced()
        let query = request.uri.queryParameters
        let filter = RunsTable.Filter(
            namespace: query.get("namespace"), config: query.get("config"), phase: query.get("phase"),
            branch: query.get("branch"))
        let namespaces = try await self.namespaces(
            filter.namespace, verb: "list", resource: PipelineRun.plural, viewer)
        var runs: [PipelineRun] = []
        var connections: [C8SAPI.RepositoryConnection] = []
        for namespace in namespaces {
            runs += cache.runs(namespace: namespace)
            connections += (try? await cache.listed(namespace: namespace).connections) ?? []
        }
        let table = RunsTable(runs: runs, filter: filter)
        let rows = table.html(connections: connections, now: Date())
        if query.get("fragment") == "rows" {
            return DashboardPage.response(rows, contentType: "text/html; charset=utf-8")
        }
        let watch =
            filter.namespace.map { "/api/v1/watch/namespaces/\(HTML.component($0))/pipelineruns" }
            ?? "/api/v1/watch/pipelineruns"
        let fragment = "/runs?" + (filter.query.isEmpty ? "" : filter.query + "&") + "fragment=rows"
        var body = "<h1>Runs</h1><form method=\"get\" action=\"/runs\" class=\"filters\">"
        body += "<label>Namespace <input name=\"namespace\" value=\"\(HTML.escape(filter.namespace ?? ""))\"></label>"
        body += "<label>Config <input name=\"config\" value=\"\(HTML.escape(filter.config ?? ""))\"></label>"
        body += "<label>Phase <select name=\"phase\"><option value=\"\">any</option>"
        for phase in Self.phases {
            let selected = filter.phase?.lowercased() == phase.lowercased() ? " selected" : ""
            body += "<option value=\"\(phase)\"\(selected)>\(phase)</option>"
        }
        body += "</select></label>"
        body += "<label>Branch <input name=\"branch\" value=\"\(HTML.escape(filter.branch ?? ""))\"></label>"
        body += "<button type=\"submit\">Filter</button></form>"
        if namespaces.isEmpty && !cache.namespaces.isEmpty {
            body += "<p class=\"muted\">You may not list runs in any namespace with runs.</p>"
        }
        body += "<table class=\"grid runs\" id=\"runs\" data-watch=\"\(HTML.escape(watch))\" "
        body += "data-fragment=\"\(HTML.escape(fragment))\"><thead><tr><th>Run</th><th>Namespace</th><th>Config</th>"
        body += "<th>Branch</th><th>Commit</th><th>Event</th><th>Phase</th><th>Started</th><th>Duration</th></tr>"
        body += "</thead><tbody>\(rows)</tbody></table>"
        body += "<p class=\"live-status muted\" id=\"live-status\">live updates: connecting…</p>"
        return DashboardPage(
            title: "Runs", user: viewer.user.name, csrf: viewer.csrf, section: "runs", body: body,
            scripts: ["live.js"]
        ).response()
    }

    /// The run from the cache, else from the API server (just created, not cached yet).
    func findRun(_ name: String, namespace: String) async throws -> PipelineRun {
        if let run = cache.run(name, namespace: namespace) { return run }
        return try await api.run(name, namespace: namespace)
    }

    func runPage(_ request: Request, _ context: BasicRequestContext, _ viewer: Viewer) async throws -> Response {
        let namespace = try context.parameters.require("namespace")
        let name = try context.parameters.require("name")
        try await authorize(viewer, verb: "get", resource: PipelineRun.plural, namespace: namespace, name: name)
        try await synced()
        let run = try await findRun(name, namespace: namespace)
        let children = cache.runs(namespace: namespace)
            .filter { $0.metadata.labels?[C8SLabels.matrixParent] == name }
            .sorted { ($0.spec.matrixIndex ?? 0) < ($1.spec.matrixIndex ?? 0) }
        var events: [Event] = []
        do {
            events = try await api.client.list(
                Event.self, namespace: namespace,
                options: ListOptions(fieldSelector: "involvedObject.name=\(name)", limit: 200)
            ).items.filter { $0.involvedObject.kind == PipelineRun.kind }
        } catch {
            logger.debug("cannot list the events of a run", metadata: ["run.name": "\(namespace)/\(name)"])
        }
        let mayCancel = await api.may(
            viewer.user, verb: "patch", resource: PipelineRun.plural, namespace: namespace, name: name)
        let mayRerun = await api.may(viewer.user, verb: "create", resource: PipelineRun.plural, namespace: namespace)
        let connections = (try? await cache.listed(namespace: namespace).connections) ?? []
        let view = RunView(
            run: run, children: children, events: events, connections: connections,
            mayCancel: mayCancel, mayRerun: mayRerun, csrf: viewer.csrf, now: Date())
        if request.uri.queryParameters.get("fragment") == "1" {
            return DashboardPage.response(view.html, contentType: "text/html; charset=utf-8")
        }
        let watch = "/api/v1/watch/namespaces/\(HTML.component(namespace))/pipelineruns?name=\(HTML.component(name))"
        let fragment = RunFormat.runPath(namespace: namespace, name: name) + "?fragment=1"
        var body = "<p class=\"crumbs\"><a href=\"/runs?namespace=\(HTML.component(namespace))\">"
        body += "\(HTML.escape(namespace))</a> / \(HTML.escape(name))</p>"
        body += "<div id=\"live\" data-watch=\"\(HTML.escape(watch))\" data-fragment=\"\(HTML.escape(fragment))\">"
        body += view.html + "</div>"
        body += "<p class=\"live-status muted\" id=\"live-status\">live updates: connecting…</p>"
        return DashboardPage(
            title: name, user: viewer.user.name, csrf: viewer.csrf, section: "runs", body: body, scripts: ["live.js"]
        ).response()
    }

    func cancel(_ request: Request, _ context: BasicRequestContext, _ viewer: Viewer) async throws -> Response {
        let namespace = try context.parameters.require("namespace")
        let name = try context.parameters.require("name")
        try verifyForm(try await Self.form(request), viewer)
        try await authorize(viewer, verb: "patch", resource: PipelineRun.plural, namespace: namespace, name: name)
        do {
            _ = try await api.client.patch(
                PipelineRun.self, name: name, namespace: namespace, .merge(["spec": ["cancel": true]]))
        } catch let error as KubeError where error.isNotFound {
            throw CoordinatorAPI.runNotFound(name, namespace)
        } catch let error as KubeError {
            throw APIProblem.from(error)
        }
        logger.info(
            "run cancelled in the dashboard",
            metadata: ["run.name": "\(namespace)/\(name)", "user.name": "\(viewer.user.name)"])
        return DashboardPage.redirect(RunFormat.runPath(namespace: namespace, name: name))
    }

    func rerun(_ request: Request, _ context: BasicRequestContext, _ viewer: Viewer) async throws -> Response {
        let namespace = try context.parameters.require("namespace")
        let name = try context.parameters.require("name")
        try verifyForm(try await Self.form(request), viewer)
        try await authorize(viewer, verb: "create", resource: PipelineRun.plural, namespace: namespace)
        let created = try await api.rerun(try await findRun(name, namespace: namespace), user: viewer.user)
        return DashboardPage.redirect(RunFormat.runPath(created))
    }

    func logPage(_ request: Request, _ context: BasicRequestContext, _ viewer: Viewer) async throws -> Response {
        let namespace = try context.parameters.require("namespace")
        let name = try context.parameters.require("name")
        let step = try context.parameters.require("step")
        try await authorize(
            viewer, verb: "get", resource: PipelineRun.plural, subresource: "log", namespace: namespace, name: name)
        let run = try await findRun(name, namespace: namespace)
        if let steps = CoordinatorAPI.knownSteps(of: run), !steps.contains(step) {
            throw APIProblem.notFound("pipelinerun \"\(name)\" in namespace \"\(namespace)\" has no step \"\(step)\"")
        }
        let container =
            request.uri.queryParameters.get("container").flatMap { $0.isEmpty ? nil : String($0.prefix(63)) }
            ?? StepJobBuilder.stepContainer
        let status = run.status?[step: step]
        let apiBase =
            "/api/v1/namespaces/\(HTML.component(namespace))/pipelineruns/\(HTML.component(name))"
            + "/steps/\(HTML.component(step))/log"
        var body =
            "<p class=\"crumbs\"><a href=\"/runs?namespace=\(HTML.component(namespace))\">\(HTML.escape(namespace))</a>"
        body +=
            " / <a href=\"\(HTML.escape(RunFormat.runPath(run)))\">\(HTML.escape(name))</a> / \(HTML.escape(step))</p>"
        body += "<h1>\(HTML.escape(step)) \(RunFormat.badge(status?.phase?.rawValue))</h1>"
        body += "<div class=\"logbar\">"
        body +=
            "<form id=\"search\" class=\"inline\"><input id=\"q\" type=\"search\" placeholder=\"search the whole log\" "
        body += "maxlength=\"\(LogSearch.maximumQueryBytes)\"><button type=\"submit\">Search</button>"
        body += "<button type=\"button\" id=\"prev\" disabled>◀ prev</button>"
        body += "<button type=\"button\" id=\"next\" disabled>next ▶</button>"
        body += "<span id=\"matches\" class=\"muted\"></span></form>"
        body += "<label><input type=\"checkbox\" id=\"timestamps\"> timestamps</label>"
        body += "<label><input type=\"checkbox\" id=\"follow\" checked> follow</label>"
        let download = apiBase + "?container=\(HTML.component(container))"
        body += "<a id=\"download\" href=\"\(HTML.escape(download))\" download=\"\(HTML.escape(step)).log\">raw log</a>"
        body += "<span id=\"lines\" class=\"muted\"></span></div>"
        body += "<div id=\"log\" class=\"log\" data-api=\"\(HTML.escape(apiBase))\" "
        body += "data-container=\"\(HTML.escape(container))\" "
        body += "tabindex=\"0\"><div class=\"spacer\"></div><div class=\"rows\"></div></div>"
        body += "<ol id=\"results\" class=\"results\"></ol>"
        return DashboardPage(
            title: "\(step) · \(name)", user: viewer.user.name, csrf: viewer.csrf, section: "runs", body: body,
            scripts: ["log.js"]
        ).response()
    }

    func pipelinesPage(_ request: Request, _ viewer: Viewer) async throws -> Response {
        try await synced()
        let filter = request.uri.queryParameters.get("namespace").flatMap { $0.isEmpty ? nil : String($0.prefix(253)) }
        let namespaces = try await self.namespaces(
            filter, verb: "list", resource: PipelineConfig.plural, viewer, known: try await allNamespaces())
        var body = "<h1>Pipelines</h1><table class=\"grid pipelines\"><thead><tr><th>Pipeline</th><th>Namespace</th>"
        body += "<th>Repository</th><th>Last run</th><th>Runs</th><th>Success rate</th><th></th></tr></thead><tbody>"
        var any = false
        for namespace in namespaces {
            let mayRun = await api.may(viewer.user, verb: "create", resource: PipelineRun.plural, namespace: namespace)
            let configs = try await kubeCall {
                try await api.client.listAll(PipelineConfig.self, namespace: namespace).items
            }.sorted { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }
            for config in configs {
                any = true
                let name = config.metadata.name ?? ""
                body += "<tr data-config=\"\(HTML.escape(namespace))/\(HTML.escape(name))\">"
                body +=
                    "<td><a href=\"/runs?namespace=\(HTML.component(namespace))&amp;config=\(HTML.component(name))\">"
                body += "\(HTML.escape(name))</a></td><td>\(HTML.escape(namespace))</td>"
                body += "<td>\(HTML.escape(config.spec.repository ?? ""))</td><td>"
                if let last = config.status?.lastRun, !last.isEmpty {
                    body += "<a href=\"\(HTML.escape(RunFormat.runPath(namespace: namespace, name: last)))\">"
                    body += "\(HTML.escape(last))</a>"
                }
                body += "</td><td class=\"num\">\(config.status?.totalRuns.map(String.init) ?? "0")</td>"
                body += "<td>\(HTML.escape(config.status?.successRate ?? ""))</td><td>"
                if mayRun {
                    let action = "/pipelines/\(HTML.component(namespace))/\(HTML.component(name))/run"
                    body += "<form method=\"post\" action=\"\(HTML.escape(action))\" class=\"inline\">"
                    body += "<input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape(viewer.csrf))\">"
                    body += "<input name=\"branch\" placeholder=\"branch\" size=\"10\">"
                    body += "<button type=\"submit\" class=\"primary\" data-action=\"run\">Run</button></form>"
                }
                body += "</td></tr>"
            }
        }
        if !any { body += "<tr class=\"empty\"><td colspan=\"7\">No pipelines you may list.</td></tr>" }
        body += "</tbody></table>"
        return DashboardPage(
            title: "Pipelines", user: viewer.user.name, csrf: viewer.csrf, section: "pipelines", body: body
        )
        .response()
    }

    /// The cluster's namespaces (for pages of configs, which may exist where no run does yet): the watched ones,
    /// else the namespaces with runs plus `default`.
    func allNamespaces() async throws -> [String] {
        let watched = api.runCache?.runs.compactMap(\.configuration.namespace) ?? []
        if !watched.isEmpty { return watched }
        return Array(Set(cache.namespaces + ["default"])).sorted()
    }

    func kubeCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as KubeError {
            throw APIProblem.from(error)
        }
    }

    func startRun(_ request: Request, _ context: BasicRequestContext, _ viewer: Viewer) async throws -> Response {
        let namespace = try context.parameters.require("namespace")
        let name = try context.parameters.require("name")
        let form = try await Self.form(request)
        try verifyForm(form, viewer)
        try await authorize(viewer, verb: "create", resource: PipelineRun.plural, namespace: namespace)
        let created = try await api.startRun(
            config: name, namespace: namespace, commit: form["commit"], branch: form["branch"], user: viewer.user)
        return DashboardPage.redirect(RunFormat.runPath(created))
    }
}
