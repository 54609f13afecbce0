import Foundation
@testable import OracleCore
import TestSupport
import Testing

@Suite struct SystemMemoryTests {
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
        let hostFiles = ["proc/meminfo": "MemTotal: 1000 kB\nMemAvailable: 250 kB\n", "proc/self/statm": "100 20 10 1 0 5 0\n"]
        let host = try read(hostFiles)
        #expect(host.source == .host)
        #expect(host.usagePercent == 75)
        #expect(host.processResidentBytes == 20 * UInt64(SystemMemory.pageSize))

        let cgroup = try read(hostFiles.merging(["sys/fs/cgroup/memory.max": "1000\n", "sys/fs/cgroup/memory.current": "961\n"]) { $1 })
        #expect(cgroup.source == .cgroup)
        #expect(cgroup.usagePercent == 96.1)
        #expect(cgroup.limitBytes == 1000)
    }

    @Test func readTakesACgroupV1LimitBelowTheHostsMemory() throws {
        let memory = try read([
            "proc/meminfo": "MemTotal: 4000 kB\nMemAvailable: 1000 kB\n",
            "sys/fs/cgroup/memory/memory.limit_in_bytes": "2048000\n",
            "sys/fs/cgroup/memory/memory.usage_in_bytes": "1024000\n",
            "sys/fs/cgroup/memory/memory.stat": "total_inactive_file 512000\n",
        ])
        #expect(memory.source == .cgroup)
        #expect(memory.limitBytes == 2_048_000)
        #expect(memory.usedBytes == 512_000)
        #expect(memory.usagePercent == 25)
        #expect(memory.processResidentBytes == nil)
    }

    @Test func nothingReadableIsUnknownAndZeroPercent() throws {
        let memory = try read([:])
        #expect(memory.source == .unknown)
        #expect(memory.usagePercent == 0)
    }

    @Test func theLiveReadingIsAPercentage() {
        let memory = SystemMemory.read()
        #expect((0...100).contains(memory.usagePercent))
    }

    /// Reads a fake root holding `files` (path below the root → contents).
    func read(_ files: [String: String]) throws -> SystemMemory {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        for (path, text) in files {
            let url = URL(fileURLWithPath: dir.file(path))
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return SystemMemory.read(root: dir.path)
    }
}
