import C8SAPI
import C8SCore
import C8SKube
import C8SLogs
import Foundation
import Testing

/// The scenarios of a whole installation, each written once against ``Installation``: the simulated one for
/// `make test`, the cluster `C8S_E2E_KUBECONFIG` names for `make e2e`. Each scenario has its own installation (or,
/// on a cluster, its own namespace); they share one SeaweedFS server.
@Suite(.seaweedFS, .timeLimit(.minutes(10)))
struct Scenarios {}
