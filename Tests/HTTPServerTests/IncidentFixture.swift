import Foundation
@testable import HTTPServer
import LLM
import Logging
import Operations
import OracleCore
import Policies
import Storage
import Synchronization
import TestSupport

/// A server state with the shipped policies (copied to a temp folder), a database, and an
/// incident monitor driven by hand: scripted metrics, an injected clock.
final class IncidentFixture: Sendable {
    let dir: TemporaryDirectory
    let state: ServerState
    let policies: PolicyHost
    let monitor: IncidentMonitor
    let script = Script()

    /// The clock and the metrics the monitor reads, shared with its closures.
    final class Script: Sendable {
        let clock = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        let metrics = Mutex(IncidentFixture.healthy)
    }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    init(_ settings: [String: String] = [:], dir existing: TemporaryDirectory? = nil,
         contacts: ContactBook = .fallback(webhookURLs: [])) async throws {
        let dir = try existing ?? TemporaryDirectory("oracle-incidents")
        self.dir = dir
        let fm = FileManager.default
        if !fm.fileExists(atPath: dir.file("policies")) {
            try fm.copyItem(atPath: Self.repositoryRoot.appendingPathComponent("policies").path, toPath: dir.file("policies"))
            try fm.copyItem(atPath: Self.repositoryRoot.appendingPathComponent("lua").path, toPath: dir.file("lua"))
        }
        var all = ["POLICIES_DIR": dir.file("policies"), "LUA_DIR": dir.file("lua"),
                   "USE_PERSISTENT_SESSIONS": "true", "GRADUAL_ROLLOUT_PERCENTAGE": "80", "INCIDENT_RESOLVE_AFTER": "120"]
        all.merge(settings) { $1 }
        let config = try await TestConfig.make(all, in: dir)
        let store = try SQLiteStore(location: config.database)
        try await store.migrate()
        let logger = Logger(label: "test")
        policies = PolicyHost(configuration: .init(settings: config), store: store, logger: logger)
        await policies.start()
        state = ServerState(config: config, store: store, provider: OfflineProvider(), logger: logger, policies: policies)
        try await state.overrides.load()
        let script = self.script
        monitor = IncidentMonitor(
            configuration: .init(interval: .seconds(30), resolveAfter: config.incidentResolveAfter),
            store: store, policies: policies,
            actions: OperatorIncidentActions(overrides: state.overrides, cache: state.sessionCache, policies: policies),
            contacts: contacts, logger: logger, now: { script.clock.withLock { $0 } }, snapshot: { script.metrics.withLock { $0 } })
    }

    func advance(seconds: Double) {
        script.clock.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    func set(_ value: MonitoringSnapshot) {
        script.metrics.withLock { $0 = value }
    }

    /// Ticks as the running service would every 30 s.
    func tick(times: Int = 1) async throws {
        for _ in 0..<times {
            try await monitor.tick()
            advance(seconds: 30)
        }
    }

    func close() {
        try? state.store.close()
    }

    static let healthy = MonitoringSnapshot(
        reachable: true, requests: 100, errorRate: 0.0, errorRatePerHour: 0.0, avgResponseMs: 150.0, p95ResponseMs: 400.0,
        cacheHitRatio: 0.8, memory: PolicyMemory(usedPercent: 40.0), database: .init(status: "healthy"), ai: .init(status: "healthy"),
        persistentSessions: .init(enabled: true, failing: false), tenantsAffected: 0)

    static func errors(_ rate: Double) -> MonitoringSnapshot {
        var snapshot = healthy
        snapshot.errorRate = rate
        snapshot.errorRatePerHour = rate * 1200
        return snapshot
    }

    /// Error rate 30 %: P1 by the seed table.
    static let errorSpike = errors(0.30)
    /// Error rate 12 %: P2.
    static let elevatedErrors = errors(0.12)
}
