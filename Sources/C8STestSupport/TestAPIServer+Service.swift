import ServiceLifecycle

extension TestAPIServer {
    /// A `TestAPIServer` as a swift-service-lifecycle `Service`: serves until graceful shutdown, then ends every
    /// watch stream and stops.
    public struct Service: ServiceLifecycle.Service {
        /// The server being run.
        public let server: TestAPIServer
        private let onListening: @Sendable (TestAPIServer) async -> Void

        /// A service for `server`; `onListening` runs once the port is bound.
        public init(server: TestAPIServer, onListening: @escaping @Sendable (TestAPIServer) async -> Void = { _ in }) {
            self.server = server
            self.onListening = onListening
        }

        public func run() async throws {
            try await server.run(onListening: onListening)
        }
    }
}
