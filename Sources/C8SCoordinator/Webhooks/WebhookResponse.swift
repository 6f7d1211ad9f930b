import C8SKube

/// What the receiver answers a delivery with: an HTTP status and a small JSON document.
public struct WebhookResponse: Sendable, Hashable {
    /// `accepted` (202, runs created), `ping`, `ignored`, `duplicate` (200) or `error`.
    public enum Outcome: String, Sendable, Hashable, Codable {
        case accepted, ping, ignored, duplicate, error
    }

    public var status: Int
    public var outcome: Outcome
    /// Names of the runs created (or, for a duplicate, created by the first delivery).
    public var runs: [String]
    /// Why the event was ignored, or what was wrong with the request.
    public var message: String?
    /// Skipped steps and why, for accepted events.
    public var skippedSteps: [TriggerPlan.SkippedStep]

    public init(
        status: Int, outcome: Outcome, runs: [String] = [], message: String? = nil,
        skippedSteps: [TriggerPlan.SkippedStep] = []
    ) {
        self.status = status
        self.outcome = outcome
        self.runs = runs
        self.message = message
        self.skippedSteps = skippedSteps
    }

    /// The response for a refused request.
    public init(_ error: WebhookError) {
        self.init(status: error.status, outcome: .error, message: error.message)
    }

    /// The JSON body: `{"status": …, "runs": […], "message": …, "skipped": [{"step": …, "reason": …}]}`
    /// (`error` instead of `message` for errors).
    public var jsonBody: String {
        var fields = ["\"status\":\(Self.quote(outcome.rawValue))"]
        if outcome == .accepted || outcome == .duplicate {
            fields.append("\"runs\":[" + runs.map(Self.quote).joined(separator: ",") + "]")
        }
        if let message {
            fields.append("\(Self.quote(outcome == .error ? "error" : "message")):\(Self.quote(message))")
        }
        if !skippedSteps.isEmpty {
            let items = skippedSteps.map { "{\"step\":\(Self.quote($0.name)),\"reason\":\(Self.quote($0.reason))}" }
            fields.append("\"skipped\":[" + items.joined(separator: ",") + "]")
        }
        return "{" + fields.joined(separator: ",") + "}\n"
    }

    static func quote(_ text: String) -> String { JSONValue.quoted(text) }
}
