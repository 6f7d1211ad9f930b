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

/// A coordinator bug these scenarios found (C8SCoordinator, not this suite's to fix): a reconcile that deletes a step's
/// Job (cancel, run timeout, step timeout) and then loses its status write to a 409 — the agent patched `status.steps[].logs`
/// meanwhile — reads the step back as Running with no Job on the retry and marks it `Failed`/`JobDeleted` instead of
/// `Cancelled`/`RunTimeout`/`DeadlineExceeded`. Seen in about half of the suite's runs; the expectations stay, marked with this.
let coordinatorLostStatusRace: Comment = """
    coordinator: a step whose Job the coordinator deleted itself is marked JobDeleted when the status write that \
    recorded why lost a 409 race with the agent's log status write (RunDecision / PipelineRunReconciler.reconcileLeaf)
    """
