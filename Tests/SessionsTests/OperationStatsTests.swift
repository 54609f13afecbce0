import Sessions
import Testing

@Suite struct OperationStatsTests {
    let start = ContinuousClock.now

    func at(_ seconds: Double) -> ContinuousClock.Instant { start + .milliseconds(Int(seconds * 1000)) }

    @Test func emptyWindowReadsZerosForEveryOperation() {
        let stats = OperationStats(window: .seconds(300), origin: start)
        let snapshot = stats.snapshot(now: at(10))
        for operation in OperationStats.Operation.allCases {
            #expect(snapshot[operation] == .init(count: 0, failures: 0, avgDurationMs: 0, p95DurationMs: 0))
        }
        #expect(snapshot.errorRate == 0)
        #expect(snapshot.errorRatePerHour == 0)
        #expect(snapshot.windowSeconds == 300)
    }

    @Test func entriesOlderThanTheWindowFallOut() {
        let stats = OperationStats(window: .seconds(60), origin: start)
        stats.record(.sendMessage, duration: .milliseconds(900), failed: true, at: at(1))
        stats.record(.sendMessage, duration: .milliseconds(100), failed: false, at: at(50))
        #expect(stats.snapshot(now: at(55))[.sendMessage].count == 2)
        // 62 s later the first send is more than a minute old; only the second remains.
        let later = stats.snapshot(now: at(63))
        #expect(later[.sendMessage].count == 1)
        #expect(later[.sendMessage].failures == 0)
        #expect(later[.sendMessage].avgDurationMs == 100)
        #expect(later[.sendMessage].p95DurationMs == 100)
        #expect(stats.snapshot(now: at(200))[.sendMessage].count == 0)
    }

    @Test func errorRateIsFailuresOverAllOperationsAndPerHourScalesTheWindow() {
        let stats = OperationStats(window: .seconds(300), origin: start)
        for i in 0..<8 { stats.record(.sendMessage, duration: .milliseconds(200), failed: i < 3, at: at(Double(i))) }
        stats.record(.createSession, duration: .milliseconds(5), failed: false, at: at(9))
        stats.record(.createSession, duration: .milliseconds(5), failed: false, at: at(9))
        let snapshot = stats.snapshot(now: at(20))
        #expect(snapshot.totalOperations == 10)
        #expect(snapshot.failedOperations == 3)
        #expect(snapshot.errorRate == 0.3)
        // 3 failures in 5 minutes is 36 an hour.
        #expect(snapshot.errorRatePerHour == 36)
        #expect(snapshot[.sendMessage].failures == 3)
        #expect(snapshot[.createSession].failures == 0)
    }

    @Test func p95IsTheNearestRankOfTheWindowsDurations() {
        let stats = OperationStats(window: .seconds(300), origin: start)
        for ms in 1...100 { stats.record(.sendMessage, duration: .milliseconds(ms), failed: false, at: at(Double(ms) / 10)) }
        let summary = stats.snapshot(now: at(20))[.sendMessage]
        #expect(summary.p95DurationMs == 95)
        #expect(summary.avgDurationMs == 50.5)
    }

    @Test func memoryStaysBoundedUnderHeavyTraffic() {
        let stats = OperationStats(window: .seconds(300), sampleCapacity: 100, origin: start)
        // 20 000 sends: counts stay exact, the percentile uses the latest 100 (all 1 s here).
        for i in 0..<20_000 {
            stats.record(.sendMessage, duration: .milliseconds(i < 19_900 ? 10 : 1000), failed: false, at: at(Double(i) / 100))
        }
        let summary = stats.snapshot(now: at(200))[.sendMessage]
        #expect(summary.count == 20_000)
        #expect(summary.p95DurationMs == 1000)
    }

    @Test func longWindowsCountInCoarserSlots() {
        let stats = OperationStats(window: .seconds(86_400), origin: start)
        stats.record(.recoverSession, duration: .seconds(2), failed: true, at: at(10))
        #expect(stats.snapshot(now: at(80_000))[.recoverSession].count == 1)
        #expect(stats.snapshot(now: at(86_400 + 400))[.recoverSession].count == 0)
    }

    @Test func tenantsAffectedCountsDistinctTenantsWithFailures() {
        let stats = OperationStats(window: .seconds(300), origin: start)
        stats.record(.sendMessage, duration: .milliseconds(1), failed: true, tenant: "acme", at: at(1))
        stats.record(.sendMessage, duration: .milliseconds(1), failed: true, tenant: "acme", at: at(2))
        stats.record(.sendMessage, duration: .milliseconds(1), failed: true, tenant: "globex", at: at(3))
        stats.record(.sendMessage, duration: .milliseconds(1), failed: false, tenant: "initech", at: at(4))
        #expect(stats.snapshot(now: at(5)).tenantsAffected == 2)
    }

    @Test func concurrentRecordsAreAllCounted() async {
        let stats = OperationStats(window: .seconds(300))
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { for _ in 0..<500 { stats.record(.createSession, duration: .milliseconds(1), failed: false) } }
            }
        }
        #expect(stats.snapshot()[.createSession].count == 4000)
    }
}
