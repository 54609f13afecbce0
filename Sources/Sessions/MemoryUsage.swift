import Foundation

/// The process's resident memory against the memory it may use: the cgroup limit when there
/// is one, else the machine's memory. Read from /proc and /sys (Linux); nil elsewhere.
///
/// ```swift
/// let percent = MemoryUsage.current()?.percent ?? 0
/// ```
public struct MemoryUsage: Sendable, Equatable {
    public var residentBytes: Int
    public var limitBytes: Int

    public var percent: Double {
        limitBytes > 0 ? min(100, Double(residentBytes) / Double(limitBytes) * 100) : 0
    }

    public static func current() -> MemoryUsage? {
        guard let rss = residentBytes(), let limit = cgroupLimit() ?? machineMemory() else { return nil }
        return MemoryUsage(residentBytes: rss, limitBytes: limit)
    }

    /// `/proc/self/statm`: the second field is resident pages.
    public static func residentBytes() -> Int? {
        guard let statm = read("/proc/self/statm") else { return nil }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// cgroup v2 `memory.max` (`max` means none), or v1 `memory.limit_in_bytes` (huge means none).
    static func cgroupLimit() -> Int? {
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            guard let text = read(path)?.trimmingCharacters(in: .whitespacesAndNewlines), let value = Int(text) else { continue }
            if value > 0, value < (1 << 60) { return value }
        }
        return nil
    }

    /// `MemTotal` of `/proc/meminfo`, in bytes.
    static func machineMemory() -> Int? {
        guard let info = read("/proc/meminfo") else { return nil }
        for line in info.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 2, let kib = Int(parts[1]) { return kib * 1024 }
        }
        return nil
    }

    private static func read(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }
}
