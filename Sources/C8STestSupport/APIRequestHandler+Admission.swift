import C8SKube

extension APIRequestHandler {
    /// `write` (a create, update or patch of `target`) behind validating admission, in kube-apiserver's order:
    /// the object is first computed as it would be stored (a dry run: defaults, schema, metadata), then every
    /// matching webhook of ``AdmissionDispatcher`` sees it, and only then is it written. Without a matching
    /// ValidatingWebhookConfiguration this is `write(dryRun)`.
    func admitted(
        _ target: Target, name: String?, dryRun: Bool, _ write: (Bool) throws -> WriteResult
    ) async throws -> WriteResult {
        let type = target.type
        let old = name.flatMap { name in store.read { $0.object(type, namespace: target.namespace, name: name) } }
        let operation = old == nil ? "CREATE" : "UPDATE"
        let calls = store.read {
            AdmissionDispatcher.calls(in: $0, type: type, subresource: target.subresource, operation: operation)
        }
        guard !calls.isEmpty else { return try write(dryRun) }
        let preview = try write(true)
        let namespace = target.namespace ?? APIState.namespace(of: preview.object)
        let namespaceObject = namespace.flatMap { namespace in
            store.read { state in
                state.type(group: "", version: "v1", plural: "namespaces").flatMap {
                    state.object($0, namespace: nil, name: namespace)
                }
            }
        }
        let warnings = try await admission.admit(
            calls,
            .init(
                type: type, subresource: target.subresource, operation: operation, namespace: namespace,
                name: APIState.name(of: preview.object), object: preview.object, oldObject: old, dryRun: dryRun),
            namespaceObject: namespaceObject)
        var result = try write(dryRun)
        result.warnings += warnings
        return result
    }
}
