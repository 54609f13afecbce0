import Metrics

/// Policy metrics, created once with bounded dimensions (policy name, outcome).
struct PolicyMetrics: Sendable {
    private let evaluations: [String: Counter]
    private let durations: [PolicyKind: Timer]
    private let reloads: [String: Counter]
    private let failures: [String: Counter]

    /// Why an evaluation fell back, as `policy_evaluation_failures_total{reason}` counts it.
    static let failureReasons = ["budget", "timeout", "memory", "impure", "error", "contract", "unavailable"]

    init() {
        var evaluations: [String: Counter] = [:]
        var failures: [String: Counter] = [:]
        var reloads: [String: Counter] = [:]
        var durations: [PolicyKind: Timer] = [:]
        for kind in PolicyKind.allCases {
            for outcome in ["ok", "fallback"] {
                evaluations["\(kind.rawValue)/\(outcome)"] = Counter(
                    label: "policy_evaluations_total", dimensions: [("policy", kind.rawValue), ("outcome", outcome)])
            }
            for reason in Self.failureReasons {
                failures["\(kind.rawValue)/\(reason)"] = Counter(
                    label: "policy_evaluation_failures_total", dimensions: [("policy", kind.rawValue), ("reason", reason)])
            }
            for outcome in ["activated", "rejected"] {
                reloads["\(kind.rawValue)/\(outcome)"] = Counter(
                    label: "policy_reloads_total", dimensions: [("policy", kind.rawValue), ("outcome", outcome)])
            }
            durations[kind] = Timer(label: "policy_evaluation_duration_seconds", dimensions: [("policy", kind.rawValue)],
                                    preferredDisplayUnit: .seconds)
        }
        self.evaluations = evaluations
        self.reloads = reloads
        self.durations = durations
        self.failures = failures
    }

    func failed(_ kind: PolicyKind, reason: String) {
        failures["\(kind.rawValue)/\(reason)"]?.increment()
    }

    func evaluated(_ kind: PolicyKind, fallback: Bool, duration: Duration) {
        evaluations["\(kind.rawValue)/\(fallback ? "fallback" : "ok")"]?.increment()
        durations[kind]?.record(duration: duration)
    }

    func reloaded(_ kind: PolicyKind, outcome: String) {
        reloads["\(kind.rawValue)/\(outcome)"]?.increment()
    }
}
