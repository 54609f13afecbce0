import Foundation
import Hummingbird
import LLM
import Operations
import OracleCore
import Sessions
import Storage

/// `/health` and its parts, with the JSON fields the seed runbooks read.
struct HealthRoutes {
    let state: ServerState

    func register(on router: Router<OracleRequestContext>) {
        router.get("health") { _, _ in try await overall() }
        router.get("health/live") { _, _ in try JSONResponse.make(["status": "alive"]) }
        router.get("health/ready") { _, _ in try await ready() }
        router.get("health/database") { _, _ in try await database() }
        router.get("health/ai") { _, _ in try ai() }
    }

    struct Overall: Encodable {
        var status: String
        var version: String
        var uptimeSeconds: Int
        var services: [String: String]
        var ai: HealthReport.AI
        var backups: BackupStatus.Snapshot
        /// Runtime overrides in force (`PUT /api/v1/admin/overrides/{NAME}`).
        var overrides: OverridesSummary
    }

    struct OverridesSummary: Encodable {
        struct Item: Encodable {
            var name: String
            /// With its setting's type, as in the overrides API.
            var value: TypedSettingValue
            var actor: String
            var setAt: Date
        }
        var count: Int
        var active: [Item]

        init(_ overrides: [StoredOverride]) {
            count = overrides.count
            active = overrides.map { Item(name: $0.name, value: SettingsCatalog.typed($0.name, $0.value), actor: $0.actor, setAt: $0.setAt) }
        }
    }

    /// `503` when unhealthy, so a probe that reads only the status code sees it; `degraded` (the
    /// AI provider behind an open breaker) stays `200`: the server still stores and reads history
    /// and answers with the fallback reply, and every instance shares the one provider, so taking
    /// this one out of rotation would help nobody.
    func overall() async throws -> Response {
        let database = await HealthReport.database(state.health)
        let ai = HealthReport.ai(state.provider)
        let backups = state.backups.snapshot
        let live = state.live.snapshot
        let status = HealthReport.status(database: database.status, ai: ai.status)
        return try JSONResponse.make(Overall(
            status: status,
            version: OracleVersion.current,
            uptimeSeconds: Int(Date().timeIntervalSince(state.startedAt)),
            services: [
                "database": database.status,
                "ai": ai.status,
                "persistent_sessions": live.sessions.isEnabled ? "enabled" : "disabled",
                "policies": state.policies?.overallState ?? "disabled",
                "backups": backups.status,
            ],
            ai: ai, backups: backups, overrides: OverridesSummary(live.overrides)),
            status: status == "unhealthy" ? .serviceUnavailable : .ok)
    }

    /// Ready means migrated, not draining, and a database that answers: a server whose database
    /// fails answers every API request 503, so a load balancer should send them elsewhere.
    /// `{"status": "unhealthy", "error": ...}` then, with the cause `/health/database` shows.
    func ready() async throws -> Response {
        let phase = state.readiness.current
        guard phase == .ready else { return try JSONResponse.make(["status": phase.rawValue], status: .serviceUnavailable) }
        let database = await HealthReport.database(state.health)
        guard database.status == "healthy" else {
            return try JSONResponse.make(["status": "unhealthy", "error": "database: \(database.error ?? database.status)"],
                                         status: .serviceUnavailable)
        }
        return try JSONResponse.make(["status": phase.rawValue])
    }

    func database() async throws -> Response {
        let body = await HealthReport.database(state.health)
        return try JSONResponse.make(body, status: body.status == "healthy" ? .ok : .serviceUnavailable)
    }

    func ai() throws -> Response {
        try JSONResponse.make(HealthReport.ai(state.provider))
    }
}
