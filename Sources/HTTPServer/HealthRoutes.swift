import Foundation
import Hummingbird
import OracleCore
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
        var ai: AIBody
    }

    struct AIBody: Encodable {
        var status: String
        var provider: String
        var model: String
        var offline: Bool
        var note: String?
    }

    func overall() async throws -> Response {
        let database = await state.store.health()
        let ai = aiBody()
        let status = database.isHealthy ? (ai.status == "unavailable" ? "degraded" : "healthy") : "unhealthy"
        return try JSONResponse.make(Overall(
            status: status,
            version: OracleVersion.current,
            uptimeSeconds: Int(Date().timeIntervalSince(state.startedAt)),
            services: [
                "database": database.status,
                "ai": ai.status,
                "persistent_sessions": state.config.sessions.isEnabled ? "enabled" : "disabled",
            ],
            ai: ai))
    }

    func ready() async throws -> Response {
        let phase = state.readiness.current
        return try JSONResponse.make(["status": phase.rawValue], status: phase == .ready ? .ok : .serviceUnavailable)
    }

    func database() async throws -> Response {
        let health = await state.store.health()
        return try JSONResponse.make(health, status: health.isHealthy ? .ok : .serviceUnavailable)
    }

    func ai() throws -> Response {
        try JSONResponse.make(aiBody())
    }

    func aiBody() -> AIBody {
        let descriptor = state.provider.descriptor
        return AIBody(
            status: descriptor.isOffline ? "offline" : "healthy",
            provider: descriptor.name, model: descriptor.model, offline: descriptor.isOffline,
            note: descriptor.isOffline
                ? "embedded offline provider: replies are not from a language model; configure LLM_PROVIDER for real answers"
                : nil)
    }
}
