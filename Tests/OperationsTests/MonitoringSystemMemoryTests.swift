import Foundation
@testable import Operations
import Policies
import TestSupport
import Testing

@Suite struct MonitoringSystemMemoryTests {
    @Test func cgroupV2UsesTheLimitAndLeavesOutReclaimableCache() throws {
        let stat = "anon 104857600\nfile 52428800\ninactive_file 41943040\nactive_file 10485760\n"
        let reading = try #require(SystemMemory.cgroupV2(max: "536870912\n", current: "146800640\n", stat: stat))
        #expect(reading.limit == 536_870_912)
        #expect(reading.used == 146_800_640 - 41_943_040)
    }

    @Test func cgroupV2WithoutALimitIsNotACgroupReading() {
        #expect(SystemMemory.cgroupV2(max: "max\n", current: "146800640\n", stat: nil) == nil)
        #expect(SystemMemory.cgroupV2(max: "garbage", current: "1", stat: nil) == nil)
    }

    @Test func cgroupV1TreatsTheHugeDefaultLimitAsNone() throws {
        let hostTotal: UInt64 = 25_276_510_208
        #expect(SystemMemory.cgroupV1(limit: "9223372036854771712\n", usage: "5281972224\n", stat: nil, hostTotal: hostTotal) == nil)
        let stat = "cache 100\ninactive_file 45056\ntotal_inactive_file 300000000\n"
        let reading = try #require(SystemMemory.cgroupV1(limit: "1073741824\n", usage: "800000000\n", stat: stat, hostTotal: hostTotal))
        #expect(reading.limit == 1_073_741_824)
        #expect(reading.used == 500_000_000)
    }

    @Test func meminfoGivesTotalAndAvailableInBytes() throws {
        let text = "MemTotal:       24684092 kB\nMemFree:        18895988 kB\nMemAvailable:   23761632 kB\nBuffers: 1 kB\n"
        let reading = try #require(SystemMemory.meminfo(text))
        #expect(reading.total == 24_684_092 * 1024)
        #expect(reading.available == 23_761_632 * 1024)
        // Old kernels without MemAvailable fall back to MemFree.
        #expect(SystemMemory.meminfo("MemTotal: 1000 kB\nMemFree: 250 kB\n")?.available == 250 * 1024)
        #expect(SystemMemory.meminfo("nothing here") == nil)
    }

    @Test func statmSecondFieldIsResidentPages() {
        #expect(SystemMemory.residentBytes(statm: "765 410 382 5 0 123 0\n", pageSize: 4096) == 410 * 4096)
        #expect(SystemMemory.residentBytes(statm: "", pageSize: 4096) == nil)
    }

    @Test func readPrefersTheCgroupAndFallsBackToTheHost() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        func write(_ path: String, _ text: String) throws {
            let url = URL(fileURLWithPath: dir.file(path))
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        try write("proc/meminfo", "MemTotal: 1000 kB\nMemAvailable: 250 kB\n")
        try write("proc/self/statm", "100 20 10 1 0 5 0\n")
        let host = SystemMemory.read(root: dir.path)
        #expect(host.source == .host)
        #expect(host.usagePercent == 75)
        #expect(host.processResidentBytes == 20 * UInt64(SystemMemory.pageSize))

        try write("sys/fs/cgroup/memory.max", "1000\n")
        try write("sys/fs/cgroup/memory.current", "961\n")
        let cgroup = SystemMemory.read(root: dir.path)
        #expect(cgroup.source == .cgroup)
        #expect(cgroup.usagePercent == 96.1)
        #expect(cgroup.limitBytes == 1000)
    }

    @Test func theLiveReadingIsAPercentage() {
        let memory = SystemMemory.read()
        #expect((0...100).contains(memory.usagePercent))
    }
}

@Suite struct MonitoringSnapshotTests {
    let traffic = MonitoringSnapshot.Traffic(requests: 412, avgResponseMs: 2350, p95ResponseMs: 8800, errorRate: 0.31,
                                             errorRatePerHour: 510, tenantsAffected: 7)

    @Test func encodesWithTheSeverityPolicysFieldNames() throws {
        let memory = SystemMemory(usedBytes: 962, limitBytes: 1000, source: .cgroup, processResidentBytes: nil)
        let snapshot = MonitoringSnapshot(traffic: traffic, memory: memory, databaseStatus: "healthy", aiStatus: "degraded",
                                          persistentSessions: .init(enabled: true, failing: false), cacheHitRatio: { 0.64 })
        let json = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(snapshot)) as? [String: Any])
        #expect(Set(json.keys) == ["reachable", "requests", "error_rate", "error_rate_per_hour", "avg_response_ms",
                                   "p95_response_ms", "cache_hit_ratio", "memory_usage_percent", "database", "ai",
                                   "persistent_sessions", "tenants_affected"])
        #expect(json["memory_usage_percent"] as? Double == 96.2)
        #expect((json["database"] as? [String: Any])?["status"] as? String == "healthy")
        #expect((json["persistent_sessions"] as? [String: Any])?["enabled"] as? Bool == true)
    }

    @Test func cacheHitRatioIsAbsentWhileSessionsAreOffOrUnread() throws {
        let off = MonitoringSnapshot(traffic: traffic, memory: nil, databaseStatus: "healthy", aiStatus: "healthy",
                                     persistentSessions: .init(enabled: false, failing: false), cacheHitRatio: { 0.1 })
        #expect(off.cacheHitRatio == nil)
        #expect(off.memoryUsagePercent == nil)
        let json = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(off)) as? [String: Any])
        #expect(json["cache_hit_ratio"] == nil)
        #expect(MonitoringSnapshot.unreachable.reachable == false)
    }
}
