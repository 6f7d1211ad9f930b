import C8SKube
import C8SLogs
import Logging

/// What every Pod follower of one agent shares.
struct AgentContext: Sendable {
    let configuration: AgentConfiguration
    let client: KubeClient
    let store: ProgressTrackingStore
    let tailer: LogTailer
    let metrics: AgentMetrics
    let live: LiveRegistry
    let advertisedURL: AdvertisedURL
    let logger: Logger

    var writer: KubeWriter { KubeWriter(client: client) }

    /// `<stateDirectory>/<podUID>`
    func stateDirectory(podUID: String) -> String { "\(configuration.stateDirectory)/\(podUID)" }

    /// The exponential retry pause after `attempt` failures.
    func backoff(attempt: Int) -> Duration {
        var pause = configuration.retryBackoff
        for _ in 0..<min(attempt, 16) where pause < configuration.maximumRetryBackoff { pause *= 2 }
        return min(pause, configuration.maximumRetryBackoff)
    }
}
