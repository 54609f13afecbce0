import Foundation
import HTTPServer
import Hummingbird
import HummingbirdTesting
import LLM
import Logging
import LuaRuntime
import OracleCore
import Policies
import Storage
import Synchronization
import Testing
import TestSupport

/// A hostile policy holding every one of its Lua states cannot hold the server: its calls run on
/// the policy's own threads, so liveness, other routes and the policy's own fallbacks go on.
@Suite struct HostilePolicyServerTests {
    @Test func aPolicyStuckInEveryStateDoesNotStallTheServer() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let policies = dir.file("policies")
        try FileManager.default.copyItem(atPath: root + "/policies", toPath: policies)
        // Spins in C library code (a charged string.rep with an empty string) for live-looking ids.
        let shipped = try String(contentsOfFile: policies + "/rollout.lua", encoding: .utf8)
        try shipped.replacingOccurrences(
            of: "function decide(ctx)\n",
            with: "function decide(ctx)\n  if #ctx.session_id == 36 then while true do string.rep(\"\", 1e6) end end\n")
            .write(toFile: policies + "/rollout.lua", atomically: true, encoding: .utf8)
        let config = try await TestConfig.make(["ADMIN_API_KEY": adminKey], in: dir)
        let store = try SQLiteStore(location: config.database)
        defer { try? store.close() }
        // Two states, each held for the whole (long) time limit by a stuck call.
        let limits = LuaLimits(instructionBudget: Int.max / 4, timeout: .seconds(20))
        let host = PolicyHost(configuration: .init(policiesDirectory: policies, luaDirectory: root + "/lua", limits: limits,
                                                   statesPerPolicy: 2),
                              store: store, logger: Logger(label: "test"))
        let state = ServerState(config: config, store: store, provider: OfflineProvider(), logger: Logger(label: "test"),
                                policies: host)
        let app = OracleApplication.make(state: state, logger: Logger(label: "test"))
        try await app.test(.router) { @Sendable client in
            let live = #"{"session_id": "0b3f2a10-5c1e-4d8a-9f27-3c5d6e7f8a9b", "tenant_id": "t", "settings": {"use_persistent_sessions": true, "rollout_percentage": 50}, "overrides": {}}"#
            let finished = FinishedCount()
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        _ = try? await client.execute(uri: "/api/v1/policies/rollout/evaluate", method: .post,
                                                      headers: adminAuth, body: ByteBuffer(string: live))
                        finished.count.withLock { $0 += 1 }
                    }
                }
                // Give the stuck calls time to reach Lua (if they have not, the checks below still hold).
                try? await Task.sleep(for: .milliseconds(200))
                for _ in 0..<20 {
                    #expect((try? await client.get("/health/live").status) == .ok)
                }
                #expect((try? await client.get("/api/v1/policies", headers: adminAuth).status) == .ok)
                // Two calls hold both states for 20 s and two wait behind them: none has finished,
                // yet everything above was answered.
                #expect(finished.count.withLock { $0 } == 0)
                group.cancelAll()
            }
        }
    }
}

final class FinishedCount: Sendable {
    let count = Mutex(0)
}
