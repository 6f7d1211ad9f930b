import AsyncHTTPClient
import C8SKube
import Foundation
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// Calls validating admission webhooks the way kube-apiserver does, for the in-memory API server: for a CREATE or
/// UPDATE it reads every ValidatingWebhookConfiguration, matches each webhook's `rules` (apiGroups, apiVersions,
/// resources with `/subresource`, operations, scope), `namespaceSelector` (the labels of the object's Namespace)
/// and `objectSelector`, POSTs an AdmissionReview v1 over HTTPS to `clientConfig.url` or `clientConfig.service`
/// (resolved through ``TestAPIServer/resolveService(namespace:name:servicePort:host:port:)``: no cluster DNS),
/// verifying the server against `caBundle` and the Service's DNS name, within `timeoutSeconds` (default 10, at
/// most 30), and honours `failurePolicy` (`Fail`, the default, or `Ignore`).
///
/// A denial becomes the client's error as kube-apiserver words it (`admission webhook "NAME" denied the request:
/// MESSAGE`, with the webhook's status code, at least 400); a failed call with `Fail` is a 500
/// (`failed calling webhook "NAME": …`); the webhooks' warnings reach the client as `Warning` headers.
final class AdmissionDispatcher: Sendable {
    /// Service `namespace/name:port` → the address that serves it.
    private let services = Mutex<[String: (host: String, port: Int)]>([:])
    private let logger: Logger
    /// The most bytes read of a webhook's answer.
    static let maxResponseBytes = 4 * 1024 * 1024

    init(logger: Logger) {
        self.logger = logger
    }

    func resolve(namespace: String, name: String, port: Int, to address: (host: String, port: Int)) {
        services.withLock { $0["\(namespace)/\(name):\(port)"] = address }
    }

    func address(namespace: String, name: String, port: Int) -> (host: String, port: Int)? {
        services.withLock { $0["\(namespace)/\(name):\(port)"] }
    }

    /// One admission call to make.
    struct Call: Sendable {
        var configuration: String
        var webhook: JSONValue
        var name: String { webhook["name"]?.stringValue ?? "" }
    }

    /// What is being admitted.
    struct Attributes: Sendable {
        var type: ResourceType
        var subresource: String?
        var operation: String
        var namespace: String?
        var name: String
        var object: JSONValue?
        var oldObject: JSONValue?
        var dryRun: Bool
    }

    /// The webhooks whose rules match `type`/`subresource`/`operation` (before selectors, which need the object).
    static func calls(in state: APIState, type: ResourceType, subresource: String?, operation: String) -> [Call] {
        guard
            let configurations = state.type(
                group: "admissionregistration.k8s.io", version: "v1", plural: "validatingwebhookconfigurations")
        else { return [] }
        let items =
            (try? state.list(
                configurations, namespace: nil, labels: nil, fields: nil, limit: nil,
                continueToken: nil
            ).0) ?? []
        var calls: [Call] = []
        for item in items.sorted(by: { APIState.name(of: $0) < APIState.name(of: $1) }) {
            for webhook in item["webhooks"]?.arrayValue ?? []
            where rulesMatch(webhook, type: type, subresource: subresource, operation: operation) {
                calls.append(Call(configuration: APIState.name(of: item), webhook: webhook))
            }
        }
        return calls
    }

    static func rulesMatch(_ webhook: JSONValue, type: ResourceType, subresource: String?, operation: String)
        -> Bool
    {
        let resource = subresource.map { "\(type.plural)/\($0)" } ?? type.plural
        func contains(_ field: String, in rule: JSONValue, _ value: String) -> Bool {
            (rule[field]?.arrayValue ?? []).contains { $0.stringValue == "*" || $0.stringValue == value }
        }
        return (webhook["rules"]?.arrayValue ?? []).contains { rule in
            let resources = (rule["resources"]?.arrayValue ?? []).compactMap(\.stringValue)
            let resourceMatches = resources.contains { pattern in
                if pattern == resource || pattern == "*/*" { return true }
                if pattern == "*" { return subresource == nil }
                if pattern.hasSuffix("/*") { return pattern.dropLast(2) == type.plural && subresource != nil }
                if pattern.hasPrefix("*/") { return subresource.map { "*/\($0)" == pattern } ?? false }
                return false
            }
            let scope = rule["scope"]?.stringValue ?? "*"
            let scopeMatches = scope == "*" || (scope == "Namespaced") == type.namespaced
            return contains("apiGroups", in: rule, type.group) && contains("apiVersions", in: rule, type.version)
                && contains("operations", in: rule, operation) && resourceMatches && scopeMatches
        }
    }

    /// Whether `labels` satisfy a metav1.LabelSelector (`matchLabels`, `matchExpressions`); nil or `{}` matches
    /// everything.
    static func selectorMatches(_ selector: JSONValue?, labels: [String: String]) -> Bool {
        guard let selector, selector.objectValue != nil else { return true }
        for (key, value) in selector["matchLabels"]?.objectValue ?? [:] where labels[key] != value.stringValue {
            return false
        }
        for expression in selector["matchExpressions"]?.arrayValue ?? [] {
            let key = expression["key"]?.stringValue ?? ""
            let values = (expression["values"]?.arrayValue ?? []).compactMap(\.stringValue)
            switch expression["operator"]?.stringValue {
            case "In": if !(labels[key].map(values.contains) ?? false) { return false }
            case "NotIn": if labels[key].map(values.contains) ?? false { return false }
            case "Exists": if labels[key] == nil { return false }
            case "DoesNotExist": if labels[key] != nil { return false }
            default: return false
            }
        }
        return true
    }

    static func labels(_ object: JSONValue?) -> [String: String] {
        (object?[path: ["metadata", "labels"]]?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }

    /// Runs the matching webhooks in turn; returns their warnings or throws the client's error.
    func admit(_ calls: [Call], _ attributes: Attributes, namespaceObject: JSONValue?) async throws -> [String] {
        var warnings: [String] = []
        for call in calls {
            // The Namespace's own labels select it when it is the object.
            let namespaceLabels =
                attributes.type.plural == "namespaces" && attributes.type.group.isEmpty
                ? Self.labels(attributes.object) : Self.labels(namespaceObject)
            if attributes.type.namespaced || attributes.type.plural == "namespaces" {
                guard Self.selectorMatches(call.webhook["namespaceSelector"], labels: namespaceLabels) else { continue }
            }
            let objectLabels = Self.labels(attributes.object ?? attributes.oldObject)
            guard Self.selectorMatches(call.webhook["objectSelector"], labels: objectLabels) else { continue }
            let failClosed = call.webhook["failurePolicy"]?.stringValue != "Ignore"
            let answer: JSONValue
            do {
                answer = try await post(call, review: Self.review(attributes))
            } catch {
                logger.debug(
                    "admission webhook failed",
                    metadata: ["webhook.name": "\(call.name)", "error.message": "\(error)"])
                if failClosed {
                    throw APIError(
                        code: 500, reason: "InternalError",
                        message: "Internal error occurred: failed calling webhook \"\(call.name)\": \(error)")
                }
                continue
            }
            let response = answer["response"] ?? .null
            warnings += (response["warnings"]?.arrayValue ?? []).compactMap(\.stringValue)
            if response["allowed"]?.boolValue != true {
                let status = response["status"]
                let code = max(400, Int(status?["code"]?.intValue ?? 400))
                let deniedBy = "admission webhook \"\(call.name)\" denied the request"
                let message =
                    if let text = status?["message"]?.stringValue, !text.isEmpty {
                        "\(deniedBy): \(text)"
                    } else if let reason = status?["reason"]?.stringValue, !reason.isEmpty {
                        "\(deniedBy): \(reason)"
                    } else { "\(deniedBy) without explanation" }
                var error = APIError(
                    code: code, reason: status?["reason"]?.stringValue ?? (code == 403 ? "Forbidden" : "BadRequest"),
                    message: message)
                error.warnings = warnings
                throw error
            }
        }
        return warnings
    }

    static func review(_ attributes: Attributes) -> JSONValue {
        let type = attributes.type
        var request: [String: JSONValue] = [
            "uid": .string(UUID().uuidString.lowercased()),
            "kind": ["group": .string(type.group), "version": .string(type.version), "kind": .string(type.kind)],
            "resource": [
                "group": .string(type.group), "version": .string(type.version), "resource": .string(type.plural),
            ],
            "requestKind": [
                "group": .string(type.group), "version": .string(type.version), "kind": .string(type.kind),
            ],
            "requestResource": [
                "group": .string(type.group), "version": .string(type.version), "resource": .string(type.plural),
            ],
            "name": .string(attributes.name), "operation": .string(attributes.operation),
            "userInfo": ["username": "system:admin"], "dryRun": .bool(attributes.dryRun),
            "object": attributes.object ?? .null, "oldObject": attributes.oldObject ?? .null,
        ]
        if let namespace = attributes.namespace { request["namespace"] = .string(namespace) }
        if let subresource = attributes.subresource { request["subResource"] = .string(subresource) }
        return ["apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": .object(request)]
    }

    /// The error of a failed call, worded like kube-apiserver's.
    struct CallError: Error, CustomStringConvertible {
        var description: String
    }

    private func post(_ call: Call, review: JSONValue) async throws -> JSONValue {
        let clientConfig = call.webhook["clientConfig"] ?? .null
        let timeout = min(30, max(1, Int64(call.webhook["timeoutSeconds"]?.intValue ?? 10)))
        var url: String
        var dnsOverride: [String: String] = [:]
        if let service = clientConfig["service"], service.objectValue != nil {
            let namespace = service["namespace"]?.stringValue ?? ""
            let name = service["name"]?.stringValue ?? ""
            let port = Int(service["port"]?.intValue ?? 443)
            let path = service["path"]?.stringValue ?? "/"
            let host = "\(name).\(namespace).svc"
            guard let address = address(namespace: namespace, name: name, port: port) else {
                throw CallError(
                    description: "failed to call webhook: Post \"https://\(host):\(port)\(path)?timeout=\(timeout)s\": "
                        + "service \"\(namespace)/\(name)\" has no endpoints (no address resolved for port \(port))")
            }
            dnsOverride[host] = address.host
            url = "https://\(host):\(address.port)\(path)"
        } else if let given = clientConfig["url"]?.stringValue {
            url = given
        } else {
            throw CallError(description: "failed to call webhook: neither clientConfig.url nor clientConfig.service")
        }
        url += "?timeout=\(timeout)s"
        var tls = TLSConfiguration.makeClientConfiguration()
        if let bundle = clientConfig["caBundle"]?.stringValue, !bundle.isEmpty {
            guard let pem = Data(base64Encoded: bundle),
                let roots = try? NIOSSLCertificate.fromPEMBytes(Array(pem)), !roots.isEmpty
            else {
                throw CallError(description: "failed to call webhook: clientConfig.caBundle holds no PEM certificate")
            }
            tls.trustRoots = .certificates(roots)
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.dnsOverride = dnsOverride
        configuration.timeout = .init(connect: .seconds(timeout), read: .seconds(timeout))
        // A refused connection fails the call at once, as kube-apiserver's dialer does; only an unanswered one waits
        // for `timeoutSeconds`.
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(review.serializedBytes)
            let response = try await client.execute(request, timeout: .seconds(timeout))
            let body = try await response.body.collect(upTo: Self.maxResponseBytes)
            try await client.shutdown()
            guard response.status == .ok else {
                let detail = String(decoding: body.readableBytesView.prefix(1024), as: UTF8.self)
                throw CallError(
                    description: "failed to call webhook: the server responded with status \(response.status.code): "
                        + detail)
            }
            let answer = try JSONValue(parsing: Array(body.readableBytesView))
            guard answer[path: ["response", "uid"]] == review[path: ["request", "uid"]] else {
                throw CallError(description: "received invalid webhook response: expected response.uid to match")
            }
            return answer
        } catch let error as CallError {
            throw error
        } catch {
            try? await client.shutdown()
            throw CallError(description: "failed to call webhook: Post \"\(url)\": \(error)")
        }
    }
}
