import C8SCommon
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
        Backoff(initial: configuration.retryBackoff, maximum: configuration.maximumRetryBackoff).delay(
            attempt: attempt + 1)
    }
}
