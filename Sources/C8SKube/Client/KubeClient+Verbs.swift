import Foundation

/// A page of a list: the items and the list's metadata (resourceVersion, continue token).
public struct KubeList<R: KubeResource>: Sendable {
    public var items: [R]
    public var metadata: ListMeta

    public init(items: [R], metadata: ListMeta) {
        self.items = items
        self.metadata = metadata
    }
}

private struct ListHeader: Decodable {
    var metadata: ListMeta?
    var items: [JSONValue]?
}

private struct TypedList<R: KubeResource>: Decodable {
    var items: [R]?
}

extension KubeClient {
    /// Reads one object.
    public func get<R: KubeResource>(_ type: R.Type, name: String, namespace: String? = nil) async throws -> R {
        let path = path(R.self, namespace: resolvedNamespace(R.self, namespace), name: name)
        return try decode(R.self, try await send(.GET, path), request: "GET \(path)")
    }

    /// Reads one object's status subresource.
    public func getStatus<R: KubeResource>(_ type: R.Type, name: String, namespace: String? = nil) async throws -> R {
        let path = path(R.self, namespace: resolvedNamespace(R.self, namespace), name: name, subresource: "status")
        return try decode(R.self, try await send(.GET, path), request: "GET \(path)")
    }

    /// Reads one object, or nil when it does not exist.
    public func getIfPresent<R: KubeResource>(_ type: R.Type, name: String, namespace: String? = nil) async throws
        -> R?
    {
        do {
            return try await get(R.self, name: name, namespace: namespace)
        } catch let error as KubeError where error.isNotFound {
            return nil
        }
    }

    /// Lists one page. `namespace` nil lists the configuration's namespace; `allNamespaces` lists every one.
    public func list<R: KubeResource>(
        _ type: R.Type, namespace: String? = nil, allNamespaces: Bool = false, options: ListOptions = ListOptions()
    ) async throws -> KubeList<R> {
        let namespace = allNamespaces ? nil : resolvedNamespace(R.self, namespace)
        let path = path(R.self, namespace: namespace)
        let response = try await send(.GET, path, query: options.queryItems)
        let label = "GET \(path)"
        do {
            let data = Data(response.body)
            let header = try JSONDecoder().decode(ListHeader.self, from: data)
            let typed = try JSONDecoder().decode(TypedList<R>.self, from: data)
            var items = typed.items ?? []
            for (index, raw) in (header.items ?? []).enumerated() where index < items.count {
                items[index].unknownFields = UnknownFields(raw)
            }
            return KubeList(items: items, metadata: header.metadata ?? ListMeta())
        } catch {
            throw KubeError.decoding(request: label, error)
        }
    }

    /// Lists every page (following `continue` tokens, `pageSize` objects at a time).
    public func listAll<R: KubeResource>(
        _ type: R.Type, namespace: String? = nil, allNamespaces: Bool = false, options: ListOptions = ListOptions(),
        pageSize: Int = 500
    ) async throws -> KubeList<R> {
        var options = options
        options.limit = pageSize
        var items: [R] = []
        while true {
            let page = try await list(R.self, namespace: namespace, allNamespaces: allNamespaces, options: options)
            items += page.items
            guard let token = page.metadata.continue, !token.isEmpty else {
                return KubeList(items: items, metadata: page.metadata)
            }
            options.continueToken = token
            options.resourceVersion = nil
        }
    }

    /// Creates an object in its `metadata.namespace` (else `namespace`, else the default namespace).
    public func create<R: KubeResource>(_ object: R, namespace: String? = nil) async throws -> R {
        let namespace = resolvedNamespace(R.self, object.metadata.namespace ?? namespace)
        let path = path(R.self, namespace: namespace)
        var json = try KubeCodec.json(object)
        json["metadata"]?["resourceVersion"] = nil
        return try decode(R.self, try await send(.POST, path, body: json), request: "POST \(path)")
    }

    /// Replaces an object; its `metadata.resourceVersion` makes this fail with Conflict if the object changed.
    public func update<R: KubeResource>(_ object: R) async throws -> R {
        try await put(object, subresource: nil)
    }

    /// Replaces an object's status (the status subresource: spec changes in `object` are ignored).
    public func updateStatus<R: KubeResource>(_ object: R) async throws -> R {
        try await put(object, subresource: "status")
    }

    private func put<R: KubeResource>(_ object: R, subresource: String?) async throws -> R {
        guard let name = object.metadata.name else {
            throw KubeError(
                code: .invalid, request: "PUT \(R.plural)", httpStatus: nil, status: nil,
                detail: "metadata.name is required to update a \(R.kind)")
        }
        let path = path(
            R.self, namespace: resolvedNamespace(R.self, object.metadata.namespace), name: name,
            subresource: subresource)
        return try decode(R.self, try await send(.PUT, path, body: try KubeCodec.json(object)), request: "PUT \(path)")
    }

    /// Patches an object (or its status with `subresource: "status"`). `fieldManager` names the writer (required
    /// for apply patches); `force` takes over fields another manager owns (apply only).
    public func patch<R: KubeResource>(
        _ type: R.Type, name: String, namespace: String? = nil, _ patch: Patch, fieldManager: String? = nil,
        force: Bool? = nil, subresource: String? = nil
    ) async throws -> R {
        let path = path(R.self, namespace: resolvedNamespace(R.self, namespace), name: name, subresource: subresource)
        var query: [(String, String)] = []
        if let fieldManager { query.append(("fieldManager", fieldManager)) }
        if let force, case .apply = patch { query.append(("force", force ? "true" : "false")) }
        let response = try await send(.PATCH, path, query: query, body: patch.body, contentType: patch.contentType)
        return try decode(R.self, response, request: "PATCH \(path)")
    }

    /// Server-side apply of `object` (the fields set in it are the ones `fieldManager` owns).
    public func apply<R: KubeResource>(
        _ object: R, fieldManager: String, force: Bool = false, subresource: String? = nil
    ) async throws -> R {
        guard let name = object.metadata.name else {
            throw KubeError(
                code: .invalid, request: "PATCH \(R.plural)", httpStatus: nil, status: nil,
                detail: "metadata.name is required to apply a \(R.kind)")
        }
        return try await patch(
            R.self, name: name, namespace: object.metadata.namespace, .apply(try KubeCodec.json(object)),
            fieldManager: fieldManager, force: force, subresource: subresource)
    }

    /// Deletes an object. Returns the object when it still exists afterwards (finalizers or foreground deletion
    /// keep it, with a deletionTimestamp), nil when it is gone.
    @discardableResult
    public func delete<R: KubeResource>(
        _ type: R.Type, name: String, namespace: String? = nil, options: DeleteOptions = DeleteOptions()
    ) async throws -> R? {
        let path = path(R.self, namespace: resolvedNamespace(R.self, namespace), name: name)
        let response = try await send(.DELETE, path, body: options.json)
        let json = try? KubeCodec.parser.parse(response.body)
        if json?["kind"]?.stringValue == "Status" || json == nil { return nil }
        return try? KubeCodec.decode(R.self, from: Data(response.body))
    }

    /// Reads an object, lets `mutate` change it and writes it back, reading again and retrying when another
    /// writer changed it in between (`Conflict`).
    @discardableResult
    public func modify<R: KubeResource>(
        _ type: R.Type, name: String, namespace: String? = nil, status: Bool = false, maxAttempts: Int = 10,
        _ mutate: @Sendable (inout R) throws -> Void
    ) async throws -> R {
        try await retryOnConflict(maxAttempts: maxAttempts) {
            var object = try await self.get(R.self, name: name, namespace: namespace)
            try mutate(&object)
            return status ? try await self.updateStatus(object) : try await self.update(object)
        }
    }

    func decode<R: KubeResource>(_ type: R.Type, _ response: Response, request: String) throws -> R {
        do {
            return try KubeCodec.decode(R.self, from: Data(response.body))
        } catch {
            throw KubeError.decoding(request: request, error)
        }
    }
}

/// Runs `body` again while it fails with `Conflict` (up to `maxAttempts` times, with a short jittered pause), like
/// client-go's `retry.RetryOnConflict`. `body` must read the object afresh on every attempt.
public func retryOnConflict<T>(
    maxAttempts: Int = 5, _ body: () async throws -> T
) async throws -> T {
    var attempt = 1
    while true {
        do {
            return try await body()
        } catch let error as KubeError where error.isConflict && attempt < maxAttempts {
            let pause = Double(min(attempt, 5)) * 0.01 * Double.random(in: 0.5...1.5)
            try await Task.sleep(for: .seconds(pause))
            attempt += 1
        }
    }
}
