import LuaRuntime

extension MonitoringSnapshot {
    /// The table `classify(m)` receives: counts as Lua integers, an absent optional left out
    /// (the policy then skips that criterion).
    public var luaValue: LuaValue {
        var fields: [String: LuaValue] = [
            "reachable": .bool(reachable),
            "requests": .integer(Int64(requests)),
            "error_rate": .number(errorRate),
            "error_rate_per_hour": .number(errorRatePerHour),
            "avg_response_ms": .number(avgResponseMs),
            "p95_response_ms": .number(p95ResponseMs),
            "database": ["status": .string(database.status)],
            "ai": ["status": .string(ai.status)],
            "persistent_sessions": ["enabled": .bool(persistentSessions.enabled), "failing": .bool(persistentSessions.failing)],
            "tenants_affected": .integer(Int64(tenantsAffected)),
        ]
        if let cacheHitRatio { fields["cache_hit_ratio"] = .number(cacheHitRatio) }
        if let memoryUsagePercent { fields["memory_usage_percent"] = .number(memoryUsagePercent) }
        return .table(fields)
    }
}
