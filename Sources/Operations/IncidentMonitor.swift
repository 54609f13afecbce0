import Foundation
import Logging
import OracleCore
import Policies
import ServiceLifecycle
import Storage

/// The incident loop: every `HEALTH_CHECK_INTERVAL` it builds a metrics snapshot over the
/// sliding window, asks `severity.lua` how bad things are, opens, escalates or resolves the
/// incident, and asks `escalation.lua` whom to notify and what to switch off.
///
/// One condition, one incident: while an incident is open, a worse severity escalates it and a
/// milder one keeps it open; it resolves only after the condition has stayed gone for
/// `resolveAfter` seconds (hysteresis), so a noisy threshold cannot flap it. A resolution (by
/// recovery or by hand) is sticky for the cooldown escalation.lua returns: the same condition,
/// or a milder one, opens nothing until it ends; a worse one reopens the incident. Incidents
/// declared by hand (`declare`) get escalation ticks too but only a person resolves them.
/// Ticks and the admin API's changes (declare, ack, resolve, note) take turns on one lock: each
/// reads an incident, asks the policy and writes it back, and two of them interleaved would undo
/// each other (a resolution's cooldown lost to a tick's stale write, two resolutions paged, an
/// ack forgotten). All state lives in SQLite, so a restart resumes open incidents.
public final class IncidentMonitor: Service, Sendable {
    public struct Configuration: Sendable {
        public var interval: Duration
        /// Seconds the condition must stay gone before the incident resolves by itself.
        public var resolveAfter: Int

        public init(interval: Duration, resolveAfter: Int) {
            self.interval = interval
            self.resolveAfter = resolveAfter
        }
    }

    let configuration: Configuration
    let store: SQLiteStore
    let policies: PolicyHost
    let actions: any IncidentActionPerformer
    let snapshot: @Sendable () async -> MonitoringSnapshot
    let now: @Sendable () -> Date
    let logger: Logger
    let metrics = IncidentMetrics()
    let pager: IncidentPager
    /// One key: every change to incidents runs alone (FIFO, so an operator's ack waits at most one tick).
    let changes = KeyedAsyncLock<Int>()

    /// Runs `body` with the incidents to itself.
    func exclusively<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await changes.withLock(0, body)
    }

    public init(configuration: Configuration, store: SQLiteStore, policies: PolicyHost,
                actions: any IncidentActionPerformer, contacts: ContactBook = .fallback(webhookURLs: []), logger: Logger,
                now: @escaping @Sendable () -> Date = Date.init,
                snapshot: @escaping @Sendable () async -> MonitoringSnapshot) {
        self.configuration = configuration
        self.store = store
        self.pager = IncidentPager(store: store, contacts: contacts)
        self.policies = policies
        self.actions = actions
        self.logger = logger
        self.now = now
        self.snapshot = snapshot
    }

    public func run() async throws {
        // The first tick waits one interval; the application starts the monitor only once the
        // database is migrated and the policies are active (OracleApplication's AfterStartup).
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { [interval = configuration.interval] in try await Task.sleep(for: interval) }
            guard !Task.isCancelled && !Task.isShuttingDownGracefully else { break }
            do {
                try await tick()
            } catch {
                logger.error("incident monitor tick failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// One pass of the loop. Public so tests drive it with an injected clock.
    public func tick() async throws {
        try await exclusively { try await tickAlone() }
    }

    func tickAlone() async throws {
        let at = now()
        let metrics = await snapshot()
        let decision = await policies.classifySeverity(metrics)
        try await judge(decision.value, metrics: metrics, at: at)
        // Declared incidents: repeat pages and escalation follow escalation.lua's timing too.
        for incident in try await store.openManualIncidents() {
            try await escalate(incident, event: .tick, metrics: metrics, at: at)
        }
    }

    /// The monitor's own incident for this severity decision.
    func judge(_ decision: SeverityDecision, metrics: MonitoringSnapshot, at: Date) async throws {
        let current = try await store.openIncident()
        if let severity = decision.severity {
            guard var incident = current else {
                try await openOrHold(severity: severity, reasons: decision.reasons, metrics: metrics, at: at)
                return
            }
            if Self.rank(severity) < Self.rank(incident.severity) {
                let from = incident.severity
                incident.severity = severity
                incident.reasons = decision.reasons
                incident.clearSince = nil
                try await store.saveIncident(incident)
                try await record(incident, "severity_changed", "severity \(from) → \(severity): \(decision.reasons.joined(separator: "; "))", metrics, at)
                try await escalate(incident, event: .changed, metrics: metrics, at: at)
                return
            }
            if incident.clearSince != nil {
                incident.clearSince = nil
                try await store.saveIncident(incident)
                try await record(incident, "condition_returned", "condition seen again: \(decision.reasons.joined(separator: "; "))", metrics, at)
            }
            try await escalate(incident, event: .tick, metrics: metrics, at: at)
        } else if var incident = current {
            guard let since = incident.clearSince else {
                incident.clearSince = at
                try await store.saveIncident(incident)
                try await record(incident, "condition_cleared", "condition gone; resolving after \(configuration.resolveAfter) s quiet", metrics, at)
                try await escalate(incident, event: .tick, metrics: metrics, at: at)
                return
            }
            if at.timeIntervalSince(since) >= Double(configuration.resolveAfter) {
                try await resolve(incident, note: "condition gone for \(Int(at.timeIntervalSince(since))) s", by: "monitor",
                                  resolution: "recovered", metrics: metrics, at: at)
            } else {
                try await escalate(incident, event: .tick, metrics: metrics, at: at)
            }
        }
    }

    /// A condition with no open incident: inside a resolved incident's cooldown the same
    /// condition (every reason one the resolved incident had) at the same or a milder severity is
    /// held (recorded once on that incident; no page, no action); a worse one reopens it; a
    /// different condition is a new incident.
    func openOrHold(severity: String, reasons: [String], metrics: MonitoringSnapshot, at: Date) async throws {
        guard var quiet = try await store.quietIncident(at: at),
              Set(reasons.map(Self.condition)).isSubset(of: Set(quiet.reasons.map(Self.condition))) || Self.rank(severity) < Self.rank(quiet.severity)
        else {
            try await open(severity: severity, reasons: reasons, metrics: metrics, at: at)
            return
        }
        guard Self.rank(severity) < Self.rank(quiet.severity) else {
            let last = try await store.incidentEvents(quiet.id).last
            if last?.kind != "held_in_cooldown" {
                try await record(quiet, "held_in_cooldown", "\(severity) seen again within the cooldown (until \(IncidentTemplates.iso(quiet.quietUntil ?? at))): \(reasons.joined(separator: "; ")); no new incident, no page", metrics, at)
            }
            return
        }
        let from = quiet.severity
        quiet.status = "open"
        quiet.severity = severity
        quiet.reasons = reasons
        quiet.resolvedAt = nil
        quiet.resolutionNote = nil
        quiet.quietUntil = nil
        quiet.clearSince = nil
        quiet.acknowledgedAt = nil
        quiet.acknowledgedBy = nil
        // The operator may have undone the actions when resolving: the matrix may act again.
        quiet.actionsTaken = []
        try await store.saveIncident(quiet)
        try await record(quiet, "reopened", "reopened within its cooldown: \(from) → \(severity): \(reasons.joined(separator: "; "))", metrics, at)
        logger.warning("incident reopened", metadata: ["incident.id": "\(quiet.id)", "incident.severity": "\(severity)"])
        try await escalate(quiet, event: .changed, metrics: metrics, at: at)
        await refreshGauge()
    }

    /// What a reason is about, without its figures: "error rate 18.0% >= 10%" → "error rate",
    /// "AI provider degraded: 1 of 10 requests failed" → "AI provider degraded".
    static func condition(_ reason: String) -> String {
        let words = reason.prefix { !$0.isNumber }
        return words.trimmingCharacters(in: CharacterSet.whitespaces.union(CharacterSet(charactersIn: ":")))
    }

    static func rank(_ severity: String) -> Int {
        SeverityDecision.levels.firstIndex(of: severity) ?? SeverityDecision.levels.count
    }
}
