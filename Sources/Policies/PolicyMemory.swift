import LuaRuntime
import OracleCore

/// The `memory` table of `severity.lua`'s and `cleanup.lua`'s inputs (and so of
/// `escalation.lua`'s `metrics`): declared once, here, so the same name means the same reading
/// in every policy, every fixture and `/api/v1/monitoring/health/detailed`.
///
/// Three different things are measured, and each has its own name: the memory in use where the
/// server runs (what the runbooks' thresholds mean), the process's own resident set, and what
/// the session cache holds.
///
/// ```swift
/// let memory = PolicyMemory(SystemMemory.read(), cacheBytes: cache.estimatedBytes)
/// memory.usedPercent   // 41.7: cgroup limit, else host
/// ```
public struct PolicyMemory: Sendable, Equatable {
    /// Memory in use over the container's cgroup limit, else over the host's memory, 0–100;
    /// nil when neither could be read.
    public var usedPercent: Double?
    /// The server process's resident set size; nil when it could not be read.
    public var processRSSBytes: Int?
    /// Estimated bytes the session cache holds; nil when the caller has no cache to ask.
    public var cacheBytes: Int?

    public init(usedPercent: Double?, processRSSBytes: Int? = nil, cacheBytes: Int? = nil) {
        self.usedPercent = usedPercent
        self.processRSSBytes = processRSSBytes
        self.cacheBytes = cacheBytes
    }

    /// From a reading of ``SystemMemory`` (nil: not read) and the cache's own estimate.
    public init(_ system: SystemMemory?, cacheBytes: Int?) {
        self.init(usedPercent: system.flatMap { $0.source == .unknown ? nil : $0.usagePercent },
                  processRSSBytes: system?.processResidentBytes.map { Int(clamping: $0) }, cacheBytes: cacheBytes)
    }

    public static let unknown = PolicyMemory(usedPercent: nil)

    /// The three fields, for the input whose `memory` table this is.
    static func fields<Input>(_ memory: @escaping @Sendable (Input) -> PolicyMemory) -> [PolicyInputField<Input>] {
        [
            .init("memory.used_percent", "number 0..100, optional",
                  "memory in use over the container's cgroup limit, else the host's memory, percent; absent when unreadable. The runbooks' memory thresholds mean this") {
                memory($0).usedPercent
            },
            .init("memory.process_rss_bytes", "int, optional", "the server process's resident set size, bytes; absent when unreadable") {
                memory($0).processRSSBytes
            },
            .init("memory.cache_bytes", "int, optional", "estimated bytes the session cache holds (its text plus a fixed allowance per turn and session)") {
                memory($0).cacheBytes
            },
        ]
    }
}
