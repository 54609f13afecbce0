import Metrics

/// `incidents_open{severity}`: open incidents by severity, created once per severity.
struct IncidentMetrics: Sendable {
    private let open: [String: Gauge]

    init() {
        open = Dictionary(uniqueKeysWithValues: ["P0", "P1", "P2", "P3"].map {
            ($0, Gauge(label: "incidents_open", dimensions: [("severity", $0)]))
        })
    }

    func update(openBySeverity counts: [String: Int]) {
        for (severity, gauge) in open { gauge.record(counts[severity] ?? 0) }
    }
}
