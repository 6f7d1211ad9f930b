extension TestAPIServer {
    /// Makes admission calls to port `servicePort` of Service `namespace/name` go to `host:port` (there is no
    /// cluster DNS): the server still verifies the webhook's certificate for the Service's name,
    /// `NAME.NAMESPACE.svc`. A webhook whose Service has no address fails as an unreachable one does (its
    /// `failurePolicy` decides).
    public func resolveService(namespace: String, name: String, servicePort: Int = 443, host: String, port: Int) {
        admission.resolve(namespace: namespace, name: name, port: servicePort, to: (host, port))
    }
}
