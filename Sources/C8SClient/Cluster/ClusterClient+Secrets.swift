import C8SKube

extension ClusterClient {
    /// Creates an Opaque Secret holding `request.data`. An existing Secret of that name is left alone.
    @discardableResult
    public func createSecret(_ request: SecretRequest) async throws -> Secret {
        let secret = Secret(
            metadata: ObjectMeta(
                name: request.name, namespace: namespace, labels: ["app.kubernetes.io/managed-by": "c8s"]),
            type: "Opaque", data: request.data)
        do {
            return try await kube.create(secret)
        } catch let error as KubeError where error.isAlreadyExists {
            throw ClientError.rejected(
                "secret \"\(request.name)\" already exists in namespace \"\(namespace)\" — choose another name, or "
                    + "delete it first (kubectl -n \(namespace) delete secret \(request.name))")
        } catch let error as KubeError {
            throw ClusterAction("create", Secret.plural, name: request.name, namespace: namespace)
                .error(error, target: target)
        }
    }
}
