import LuaRuntime

/// The four policies the host knows: their files, entry functions and result contracts.
///
/// ```swift
/// PolicyKind.rollout.fileName        // "rollout.lua"
/// PolicyKind.rollout.entryFunction   // "decide"
/// ```
public enum PolicyKind: String, Sendable, CaseIterable, Codable, Comparable {
    case rollout, severity, cleanup, escalation

    public var fileName: String { "\(rawValue).lua" }
    public var testFileName: String { "\(rawValue)_test.lua" }

    public var entryFunction: String {
        switch self {
        case .rollout: "decide"
        case .severity: "classify"
        case .cleanup: "plan"
        case .escalation: "escalate"
        }
    }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// Checks a result against the contract in `docs/policies.md`; the error names the field.
    public func validate(_ result: LuaValue) throws(PolicyContractError) {
        switch self {
        case .rollout: _ = try RolloutDecision(result)
        case .severity: _ = try SeverityDecision(result)
        case .cleanup: _ = try CleanupPlan(result)
        case .escalation: _ = try EscalationDecision(result)
        }
    }

    /// Inputs every candidate version is evaluated on before activation, besides its tests,
    /// so a policy without tests still cannot go live returning the wrong shape.
    public var sampleInputs: [LuaValue] {
        switch self {
        case .rollout:
            [
                ["session_id": "sample-session", "tenant_id": "default",
                 "settings": ["use_persistent_sessions": true, "rollout_percentage": 50], "overrides": [:]],
                ["session_id": "sample-session", "tenant_id": "default",
                 "settings": ["use_persistent_sessions": false, "rollout_percentage": 0], "overrides": [:]],
            ]
        case .severity:
            [
                PolicySamples.healthyMetrics,
                PolicySamples.failingMetrics,
            ]
        case .cleanup:
            [
                ["now": 1_700_000_000, "active": 10, "capacity": 500, "memory_usage_percent": 40.0,
                 "settings": ["timeout": 3600, "batch_size": 50, "emergency_threshold": 0.95]],
                ["now": 1_700_000_000, "active": 499, "capacity": 500, "memory_usage_percent": 96.0,
                 "settings": ["timeout": 3600, "batch_size": 50, "emergency_threshold": 0.95]],
            ]
        case .escalation:
            ["opened", "tick", "resolved"].map { event in
                ["id": "INC-20260101-000000", "severity": "P1", "status": event == "resolved" ? "resolved" : "open",
                 "event": .string(event), "elapsed_seconds": 60, "since_notified_seconds": 60, "acknowledged": false,
                 "level": event == "opened" ? 0 : 1, "reasons": ["error rate 30.0% > 25%"],
                 "metrics": PolicySamples.failingMetrics,
                 "settings": ["use_persistent_sessions": true, "rollout_percentage": 50, "max_persistent_sessions": 500,
                              "persistent_session_timeout": 3600, "cleanup_interval": 300],
                 "actions_taken": []]
            }
        }
    }
}

enum PolicySamples {
    static let healthyMetrics: LuaValue = [
        "reachable": true, "requests": 100, "error_rate": 0.0, "error_rate_per_hour": 0.0,
        "avg_response_ms": 120.0, "p95_response_ms": 300.0, "cache_hit_ratio": 0.9, "memory_usage_percent": 40.0,
        "database": ["status": "healthy"], "ai": ["status": "healthy"],
        "persistent_sessions": ["enabled": true, "failing": false], "tenants_affected": 0,
    ]
    static let failingMetrics: LuaValue = [
        "reachable": true, "requests": 100, "error_rate": 0.3, "error_rate_per_hour": 30.0,
        "avg_response_ms": 1200.0, "p95_response_ms": 3000.0, "cache_hit_ratio": 0.6, "memory_usage_percent": 60.0,
        "database": ["status": "healthy"], "ai": ["status": "unavailable"],
        "persistent_sessions": ["enabled": true, "failing": false], "tenants_affected": 1,
    ]
}
