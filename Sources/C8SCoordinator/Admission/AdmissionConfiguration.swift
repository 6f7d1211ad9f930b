/// How the coordinator serves its validating admission webhook (see docs/admission.md).
///
/// Keys (property: flag / environment variable; all under ``CoordinatorConfiguration/Keys``):
/// - enabled by `--[no-]admission` / `C8S_ADMISSION` (default off; the Deployment of `deploy/` turns it on);
/// - `port`: `--admission-port` / `C8S_ADMISSION_PORT`: the HTTPS port of `POST /admission` (default 8443; 0 picks
///   one); served on the coordinator's `httpHost`;
/// - `namespace`: `--pod-namespace` / `C8S_NAMESPACE`: the coordinator's own namespace, where the Secret and the
///   Service live (default nil: the API client's namespace);
/// - `secretName`: `--admission-secret` / `C8S_ADMISSION_SECRET` (default `c8s-admission-tls`): the Secret holding
///   the CA and the serving certificate;
/// - `serviceName`: `--admission-service` / `C8S_ADMISSION_SERVICE` (default `c8s-coordinator`): the Service
///   kube-apiserver calls, whose DNS names the serving certificate carries;
/// - `webhookConfigurationName`: `--admission-webhook-configuration` / `C8S_ADMISSION_WEBHOOK_CONFIGURATION`
///   (default `c8s-admission`): the ValidatingWebhookConfiguration whose `caBundle` the coordinator fills in;
/// - `checkInterval`: `--admission-check-seconds` / `C8S_ADMISSION_CHECK_SECONDS` (default 600): how often every
///   replica re-reads the Secret, renews what is near expiry and reloads what another replica renewed;
/// - `lifetimes`: ``AdmissionCertificates/Lifetimes`` (no flag).
public struct AdmissionConfiguration: Sendable {
    public var port = 8443
    public var namespace: String?
    public var secretName = "c8s-admission-tls"
    public var serviceName = "c8s-coordinator"
    public var webhookConfigurationName = "c8s-admission"
    public var checkInterval: Duration = .seconds(600)
    public var lifetimes = AdmissionCertificates.Lifetimes()
    /// The request path the webhook configuration names.
    public static let path = "/admission"

    public init() {}
}
