import Foundation

/// Memory in use where the server runs: its container's cgroup limit when it has one, the
/// host's otherwise; and the process's own resident size.
///
/// The one reader of the kernel's memory files: the monitoring endpoints, `/metrics`, the
/// severity input and the session cache's cleanup plan all judge the same reading.
///
/// ```swift
/// let memory = SystemMemory.read()
/// print(memory.usagePercent, memory.source)   // 41.7 cgroup
/// ```
public struct SystemMemory: Sendable, Equatable, Codable {
    public enum Source: String, Sendable, Codable {
        /// The container's limit (cgroup v2 `memory.max` or v1 `memory.limit_in_bytes`).
        case cgroup
        /// The machine's memory (`/proc/meminfo`), when no cgroup limit applies.
        case host
        /// Nothing readable (not Linux, or `/proc` hidden).
        case unknown
    }

    public var usedBytes: UInt64
    public var limitBytes: UInt64
    public var source: Source
    /// The process's resident set; nil when `/proc/self/statm` is unreadable.
    public var processResidentBytes: UInt64?

    public init(usedBytes: UInt64, limitBytes: UInt64, source: Source, processResidentBytes: UInt64?) {
        self.usedBytes = usedBytes
        self.limitBytes = limitBytes
        self.source = source
        self.processResidentBytes = processResidentBytes
    }

    /// Used over limit, 0–100, two decimals; 0 when the limit is unknown.
    public var usagePercent: Double {
        limitBytes == 0 ? 0 : (Double(usedBytes) / Double(limitBytes) * 10_000).rounded() / 100
    }

    /// Reads the files under `root` (`/` in production; a fixture folder in tests).
    public static func read(root: String = "/") -> SystemMemory {
        func file(_ path: String) -> String? {
            try? String(contentsOfFile: (root as NSString).appendingPathComponent(path), encoding: .utf8)
        }
        let resident = file("proc/self/statm").flatMap { residentBytes(statm: $0, pageSize: pageSize) }
        let host = file("proc/meminfo").flatMap(meminfo)
        if let max = file("sys/fs/cgroup/memory.max"), let current = file("sys/fs/cgroup/memory.current"),
           let cgroup = cgroupV2(max: max, current: current, stat: file("sys/fs/cgroup/memory.stat")) {
            return SystemMemory(usedBytes: cgroup.used, limitBytes: cgroup.limit, source: .cgroup, processResidentBytes: resident)
        }
        if let limit = file("sys/fs/cgroup/memory/memory.limit_in_bytes"),
           let usage = file("sys/fs/cgroup/memory/memory.usage_in_bytes"),
           let cgroup = cgroupV1(limit: limit, usage: usage, stat: file("sys/fs/cgroup/memory/memory.stat"),
                                 hostTotal: host?.total) {
            return SystemMemory(usedBytes: cgroup.used, limitBytes: cgroup.limit, source: .cgroup, processResidentBytes: resident)
        }
        if let host {
            return SystemMemory(usedBytes: host.total - host.available, limitBytes: host.total, source: .host,
                                processResidentBytes: resident)
        }
        return SystemMemory(usedBytes: 0, limitBytes: 0, source: .unknown, processResidentBytes: resident)
    }

    static var pageSize: Int {
        #if os(Linux)
        Int(sysconf(Int32(_SC_PAGESIZE)))
        #else
        Int(getpagesize())
        #endif
    }
}
