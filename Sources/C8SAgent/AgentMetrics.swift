import Prometheus

/// The agent's metrics, created once in one registry, with no labels (so bounded by construction): what was
/// shipped, how many containers are followed, and how many status writes failed. `/metrics` serves the registry.
public final class AgentMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    let lines: Counter
    let bytes: Counter
    let storedBytes: Counter
    let chunks: Counter
    let followedContainers: Gauge
    let followedPods: Gauge
    let statusWriteFailures: Counter
    let shipperFailures: Counter

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        lines = registry.makeCounter(name: "c8s_agent_shipped_lines_total", help: "Log lines stored.")
        bytes = registry.makeCounter(
            name: "c8s_agent_shipped_bytes_total", help: "Uncompressed bytes of the log records stored.")
        storedBytes = registry.makeCounter(
            name: "c8s_agent_stored_bytes_total", help: "Compressed bytes of the log chunks stored.")
        chunks = registry.makeCounter(name: "c8s_agent_shipped_chunks_total", help: "Log chunks stored.")
        followedContainers = registry.makeGauge(
            name: "c8s_agent_followed_containers", help: "Containers whose logs are being shipped.")
        followedPods = registry.makeGauge(name: "c8s_agent_followed_pods", help: "Step Pods being followed.")
        statusWriteFailures = registry.makeCounter(
            name: "c8s_agent_status_write_failures_total",
            help: "Failed writes of run step status, Pod annotations or finalizers (each is retried).")
        shipperFailures = registry.makeCounter(
            name: "c8s_agent_shipper_failures_total", help: "Container log shippers that failed and were restarted.")
    }

    /// The Prometheus text exposition of every metric.
    public func render() -> [UInt8] { registry.emitToBuffer() }
}
