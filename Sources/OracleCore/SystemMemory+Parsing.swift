import Foundation

/// Pure readers of the kernel's memory files, so each format is tested from fixture text.
extension SystemMemory {
    /// Bytes in use and the limit of a cgroup v2 (`memory.current`, `memory.max`, `memory.stat`).
    /// Nil when there is no limit (`max`) or the text does not parse. Reclaimable page cache
    /// (`inactive_file`) is not counted as used, like `docker stats` and the kubelet.
    static func cgroupV2(max: String, current: String, stat: String?) -> (used: UInt64, limit: UInt64)? {
        let limitText = max.trimmingCharacters(in: .whitespacesAndNewlines)
        guard limitText != "max", let limit = UInt64(limitText), limit > 0,
              let usage = UInt64(current.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return nil }
        let inactive = stat.flatMap { statValue($0, key: "inactive_file") } ?? 0
        return (usage - min(usage, inactive), limit)
    }

    /// The same for cgroup v1 (`memory.limit_in_bytes`, `memory.usage_in_bytes`, `memory.stat`).
    /// v1 writes "no limit" as a huge number: a limit at or above `hostTotal` counts as none.
    static func cgroupV1(limit: String, usage: String, stat: String?, hostTotal: UInt64?) -> (used: UInt64, limit: UInt64)? {
        guard let limit = UInt64(limit.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0,
              limit < (hostTotal ?? UInt64(Int64.max) / 2),
              let usage = UInt64(usage.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return nil }
        let inactive = stat.flatMap { statValue($0, key: "total_inactive_file") ?? statValue($0, key: "inactive_file") } ?? 0
        return (usage - min(usage, inactive), limit)
    }

    /// `MemTotal` and `MemAvailable` of `/proc/meminfo`, in bytes.
    static func meminfo(_ text: String) -> (total: UInt64, available: UInt64)? {
        var fields: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " })
            guard parts.count >= 2, let value = UInt64(parts[1]) else { continue }
            let bytes = parts.count >= 3 && parts[2] == "kB" ? value * 1024 : value
            fields[String(parts[0])] = bytes
        }
        guard let total = fields["MemTotal"], total > 0 else { return nil }
        // Kernels before 3.14 have no MemAvailable; free memory is the closest stand-in.
        guard let available = fields["MemAvailable"] ?? fields["MemFree"] else { return nil }
        return (total, min(available, total))
    }

    /// Resident bytes from `/proc/self/statm` (second field, in pages).
    static func residentBytes(statm: String, pageSize: Int) -> UInt64? {
        let fields = statm.split(separator: " ")
        guard fields.count >= 2, let pages = UInt64(fields[1].trimmingCharacters(in: .whitespacesAndNewlines)) else {
            return nil
        }
        return pages * UInt64(max(pageSize, 0))
    }

    /// The value of `key` in a `memory.stat` file (`key value` per line).
    static func statValue(_ stat: String, key: String) -> UInt64? {
        for line in stat.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == key { return UInt64(parts[1]) }
        }
        return nil
    }
}
