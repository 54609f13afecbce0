import LuaRuntime

/// The policies the host knows: their files, entry functions and result contracts.
///
/// ```swift
/// PolicyKind.rollout.fileName        // "rollout.lua"
/// PolicyKind.rollout.entryFunction   // "decide"
/// ```
public enum PolicyKind: String, Sendable, CaseIterable, Codable, Comparable {
    case rollout, severity, cleanup, escalation, admission, routing

    public var fileName: String { "\(rawValue).lua" }
    public var testFileName: String { "\(rawValue)_test.lua" }

    public var entryFunction: String {
        switch self {
        case .rollout: "decide"
        case .severity: "classify"
        case .cleanup: "plan"
        case .escalation: "escalate"
        case .admission: "admit"
        case .routing: "route"
        }
    }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// Every policy's name, for messages: "rollout, severity, …, admission or routing".
    public static var names: String {
        let all = allCases.map(\.rawValue)
        return all.dropLast().joined(separator: ", ") + " or " + all.last!
    }

    /// Checks a result against the contract in `docs/policies.md`; the error names the field.
    public func validate(_ result: LuaValue) throws(PolicyContractError) {
        switch self {
        case .rollout: _ = try RolloutDecision(result)
        case .severity: _ = try SeverityDecision(result)
        case .cleanup: _ = try CleanupPlan(result)
        case .escalation: _ = try EscalationDecision(result)
        case .admission: _ = try AdmissionDecision(result)
        case .routing: _ = try RoutingDecision(result)
        }
    }

    /// Inputs every candidate version is evaluated on before activation, besides its tests,
    /// so a policy without tests still cannot go live returning the wrong shape.
    public var sampleInputs: [LuaValue] {
        switch self {
        case .rollout:
            [true, false].map { on in
                RolloutInput(sessionID: "sample-session", tenantID: "default",
                             settings: .init(usePersistentSessions: on, rolloutPercentage: on ? 50 : 0)).luaValue
            }
        case .severity:
            [PolicySamples.healthyMetrics.luaValue, PolicySamples.failingMetrics.luaValue]
        case .cleanup:
            [(10, 40.0, false), (499, 96.0, false), (10, 40.0, true)].map { active, memory, requested in
                CleanupInput(now: 1_700_000_000, active: active, capacity: 500,
                             memory: PolicySamples.memory(usedPercent: memory, cacheBytes: active * 24_000),
                             emergencyRequested: requested,
                             settings: .init(timeout: 3600, batchSize: 50, emergencyThreshold: 0.95)).luaValue
            }
        case .escalation:
            EscalationInput.Event.allCases.filter { $0 != .changed }.map { event in
                EscalationInput(
                    id: "INC-20260101-000000", severity: "P1", status: event == .resolved ? "resolved" : "open", event: event,
                    elapsedSeconds: 60, sinceNotifiedSeconds: 60, acknowledged: false, level: event == .opened ? 0 : 1,
                    reasons: ["error rate 30.0% > 25%"], metrics: PolicySamples.failingMetrics,
                    settings: .init(usePersistentSessions: true, rolloutPercentage: 50, maxPersistentSessions: 500,
                                    persistentSessionTimeout: 3600, cleanupInterval: 300),
                    actionsTaken: []).luaValue
            }
        case .admission:
            // Under its limits, and over one.
            [(10, nil as Int?), (120_000, 30)].map { used, retry in
                AdmissionInput(tenant: "default", route: .v1, endpoint: "chat.completions", model: "sample-model",
                               estimatedPromptTokens: 500, requestsPerMinute: .init(used: 3, limit: 60),
                               tokensPerMinute: .init(used: used, limit: 100_000, retryAfterSeconds: retry),
                               tokensPerDay: .init(used: used)).luaValue
            }
        case .routing:
            // Both providers healthy, and the requested one's breaker open.
            ["closed", "open"].map { breaker in
                let models = [RoutingInput.Model(name: "sample-large", provider: "primary", model: "sample-large", aliases: [], tags: ["auto"]),
                              RoutingInput.Model(name: "sample-small", provider: "secondary", model: "sample-small", aliases: [], tags: ["cheap", "fallback"])]
                return RoutingInput(
                    tenant: "default", route: "v1", requestedModel: "sample-large", resolved: models[0], estimatedPromptTokens: 500,
                    needsTools: false, needsJSON: false, stream: false, bucket: 42,
                    providers: ["primary": .init(type: "openai", breaker: breaker, status: breaker == "open" ? "unavailable" : "healthy",
                                                 requests: 20, failures: breaker == "open" ? 12 : 0, latencyMs: 350),
                                "secondary": .init(type: "gemini", breaker: "closed", status: "healthy", requests: 5, failures: 0, latencyMs: nil)],
                    models: models).luaValue
            }
        }
    }
}

enum PolicySamples {
    /// A plausible reading: the process at 180 MiB resident.
    static func memory(usedPercent: Double, cacheBytes: Int) -> PolicyMemory {
        PolicyMemory(usedPercent: usedPercent, processRSSBytes: 180 << 20, cacheBytes: cacheBytes)
    }

    static let healthyMetrics = MonitoringSnapshot(
        reachable: true, requests: 100, errorRate: 0.0, errorRatePerHour: 0.0, avgResponseMs: 120.0, p95ResponseMs: 300.0,
        cacheHitRatio: 0.9, memory: memory(usedPercent: 40.0, cacheBytes: 2_400_000), database: .init(status: "healthy"),
        ai: .init(status: "healthy", requests: 100, failures: 0, probe: "ok"),
        persistentSessions: .init(enabled: true, failing: false), tenantsAffected: 0, cacheLookups: 400)
    static let failingMetrics = MonitoringSnapshot(
        reachable: true, requests: 100, errorRate: 0.3, errorRatePerHour: 30.0, avgResponseMs: 1200.0, p95ResponseMs: 3000.0,
        cacheHitRatio: 0.6, memory: memory(usedPercent: 60.0, cacheBytes: 2_400_000), database: .init(status: "healthy"),
        ai: .init(status: "unavailable", requests: 100, failures: 30, probe: "failed"),
        persistentSessions: .init(enabled: true, failing: false), tenantsAffected: 1, cacheLookups: 400)
}
