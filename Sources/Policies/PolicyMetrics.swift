import Metrics

/// Policy metrics, created once with bounded dimensions (policy name, outcome).
struct PolicyMetrics: Sendable {
    private let evaluations: [String: Counter]
    private let durations: [PolicyKind: Timer]
    private let reloads: [String: Counter]

    init() {
        var evaluations: [String: Counter] = [:]
        var reloads: [String: Counter] = [:]
        var durations: [PolicyKind: Timer] = [:]
        for kind in PolicyKind.allCases {
            for outcome in ["ok", "fallback"] {
                evaluations["\(kind.rawValue)/\(outcome)"] = Counter(
                    label: "policy_evaluations_total", dimensions: [("policy", kind.rawValue), ("outcome", outcome)])
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
    }

    func evaluated(_ kind: PolicyKind, fallback: Bool, duration: Duration) {
        evaluations["\(kind.rawValue)/\(fallback ? "fallback" : "ok")"]?.increment()
        durations[kind]?.record(duration: duration)
    }

    func reloaded(_ kind: PolicyKind, outcome: String) {
        reloads["\(kind.rawValue)/\(outcome)"]?.increment()
    }
}
