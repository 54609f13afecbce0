import Foundation
import HTTPServer
import LLM
import Logging
import OracleCore
import Policies
import Prometheus
import ServiceLifecycle
import Storage
import Synchronization
import Testing
import TestSupport

/// Tenant quotas end to end: the whole server on a socket, the real provider stack against a
/// ``FakeUpstream``, real SQLite, admission.lua from `policies/` (or an edited copy), and the
/// usage windows on a clock the test moves — no sleeps.
@Suite struct AdmissionTests {
    static let acmeKey = "acme-key-0123456789abcdef"
    static let globexKey = "globex-key-0123456789abcdef"
    static let adminKey = "admin-key-0123456789abcdef"
    /// Each reply reports 200 completion tokens, so one call fills most of a small quota.
    static let usage = FakeUpstreamUsage(prompt: 12, completion: 200, cached: 0)
    static let start = 1_700_000_000.5

    final class Clock: Sendable {
        private let seconds = Mutex(AdmissionTests.start)
        var now: Double { seconds.withLock { $0 } }
        func advance(_ by: Double) { seconds.withLock { $0 += by } }
    }

    struct Server: Sendable {
        let live: LiveServer
        let upstream: FakeUpstream
        let registry: PrometheusCollectorRegistry

        func request(_ method: String, _ path: String, key: String, _ body: String = "",
                     headers: [String: String] = [:]) async throws -> RawHTTPResponse {
            let extra = headers.map { "\($0): \($1)\r\n" }.joined()
            return try await live.exchange("""
                \(method) \(path) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(key)\r\nContent-Type: application/json\r\n\
                \(extra)Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)
                """)
        }

        func chat(_ key: String) async throws -> RawHTTPResponse {
            try await request("POST", "/v1/chat/completions", key: key, #"{"model":"fake-gpt","messages":[{"role":"user","content":"hello there"}]}"#)
        }

        func usage(_ query: String = "") async throws -> [String: Any] {
            let response = try await request("GET", "/api/v1/admin/usage\(query)", key: AdmissionTests.adminKey)
            return try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any] ?? [:]
        }
    }

    /// The server with `TENANT_LIMITS = limits` on `database` (a restart reuses it), policies
    /// from `policiesRoot` (a folder holding `policies/` and `lua/`; the repository's by default).
    func withServer(limits: String, clock: Clock, database: String, policiesRoot: String? = nil,
                    _ test: @escaping @Sendable (Server) async throws -> Void) async throws {
        let upstream = try await FakeUpstream.start(usage: Self.usage)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let config = try await TestConfig.make([
            "PORT": "0", "HOST": "127.0.0.1", "DATABASE_URL": database, "TENANT_LIMITS": limits,
            "CHAT_API_KEYS": "\(Self.acmeKey):acme,\(Self.globexKey):globex", "ADMIN_API_KEY": Self.adminKey,
            "LLM_PROVIDER": "openai", "OPENAI_BASE_URL": upstream.openAIBaseURL, "OPENAI_API_KEY": "sk-test-0123456789",
            "OPENAI_MODEL": "fake-gpt", "LLM_RETRY_BASE_DELAY_MS": "1", "LLM_RETRY_MAX_DELAY_MS": "2",
        ], in: dir)
        let logger = Logger(label: "test")
        let transport = HTTPTransport(logger: logger)
        let store = try SQLiteStore(location: config.database)
        let root = policiesRoot ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let policies = PolicyHost(configuration: .init(policiesDirectory: root + "/policies", luaDirectory: root + "/lua"),
                                  store: store, logger: logger)
        let registry = PrometheusCollectorRegistry()
        let provider = LLMConfiguration(settings: config.llm).makeProvider(logger: logger, transport: transport)
        let state = ServerState(config: config, store: store, provider: provider, logger: logger, policies: policies,
                                metricsRegistry: registry, usageClock: { clock.now })
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = OracleApplication.make(state: state, logger: logger) { port in portContinuation.yield(port) }
        let group = ServiceGroup(configuration: OracleApplication.serviceGroupConfiguration(app, config: config, logger: logger, signals: []))
        var failure: (any Error)?
        do {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var iterator = ports.makeAsyncIterator()
                guard let port = await iterator.next() else { throw RawHTTPError(description: "server did not start") }
                do {
                    try await test(Server(live: LiveServer(port: port, group: group, state: state), upstream: upstream, registry: registry))
                } catch {
                    failure = error
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        } catch {
            failure = failure ?? error
        }
        try? store.close()
        await transport.shutdown()
        await upstream.stop()
        if let failure { throw failure }
    }

    static func error(_ response: RawHTTPResponse) -> [String: Any] {
        let json = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        return json?["error"] as? [String: Any] ?? [:]
    }

    static func tenant(_ usage: [String: Any], _ name: String) -> [String: Any] {
        (usage["tenants"] as? [[String: Any]] ?? []).first { $0["tenant"] as? String == name } ?? [:]
    }

    /// A tenant over its tokens-per-minute quota gets 429 with Retry-After on `/v1` (OpenAI's
    /// shape) and on the sessions API (the project's shape), another tenant is served, and once
    /// the window has moved on the tenant is admitted again.
    @Test func overTheTokenQuotaIsRefusedUntilTheWindowMovesOn() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = Clock()
        try await withServer(limits: "acme:tpm=200;globex:tpm=200", clock: clock, database: dir.file("q.db")) { server in
            let session = try await server.request("POST", "/api/v1/sessions/", key: Self.acmeKey, #"{"title":"quota"}"#)
            let sessionID = try #require((try JSONSerialization.jsonObject(with: Data(session.body.utf8)) as? [String: Any])?["id"] as? String)

            // The estimate (a 76-byte body: 19 tokens) fits; the reply's 200 completion tokens then fill the minute.
            #expect(try await server.chat(Self.acmeKey).status == 200)
            let upstreamCalls = server.upstream.requests.count
            clock.advance(10)

            let refused = try await server.chat(Self.acmeKey)
            #expect(refused.status == 429)
            // The call at 1_700_000_000 leaves the window at 1_700_000_060; it is now …010.5.
            #expect(refused.headers["retry-after"] == "50")
            let error = Self.error(refused)
            #expect(error["type"] as? String == "rate_limit_error" && error["code"] as? String == "quota_exceeded")
            #expect((error["message"] as? String ?? "").contains("tpm: tenant acme used 219 of 200 tokens per minute, this request needs 19"), "\(error)")

            let embeddings = try await server.request("POST", "/v1/embeddings", key: Self.acmeKey, #"{"model":"e","input":"hi"}"#)
            #expect(embeddings.status == 429 && Self.error(embeddings)["type"] as? String == "rate_limit_error")

            let message = try await server.request("POST", "/api/v1/sessions/\(sessionID)/messages", key: Self.acmeKey, #"{"content":"hi"}"#)
            #expect(message.status == 429 && message.headers["retry-after"] == "50")
            #expect(message.errorCode == "quota_exceeded" && Self.error(message)["type"] == nil, "the sessions API's own shape")
            #expect(server.upstream.requests.count == upstreamCalls, "a refused request never reaches the provider")

            #expect(try await server.chat(Self.globexKey).status == 200, "another tenant has its own quota")

            clock.advance(50)
            #expect(try await server.chat(Self.acmeKey).status == 200, "the first call has left the window")
            let again = try await server.request("POST", "/api/v1/sessions/\(sessionID)/messages", key: Self.acmeKey, #"{"content":"hi"}"#)
            #expect(again.status == 429, "the second call's 219 tokens fill the new minute")

            let metrics = try await server.request("GET", "/metrics", key: Self.acmeKey).body
            #expect(metrics.contains(#"admission_denials_total{reason="tpm"} 4"#), "\(metrics)")
            #expect(metrics.contains(#"admission_decisions_total{outcome="allowed"} 3"#))
        }
    }

    /// The day's usage is in SQLite: after a restart the tokens-per-day window still holds it,
    /// and the admin endpoint shows it.
    @Test func usageSurvivesARestartAndAdminsSeeIt() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = Clock()
        let database = dir.file("q.db")
        try await withServer(limits: "acme:tpd=230", clock: clock, database: database) { server in
            let acme = try await server.chat(Self.acmeKey), globex = try await server.chat(Self.globexKey)
            #expect(acme.status == 200 && globex.status == 200)
        }
        clock.advance(120)
        try await withServer(limits: "acme:tpd=230", clock: clock, database: database) { server in
            let acme = Self.tenant(try await server.usage(), "acme")
            #expect(acme["limits"] as? [String: Int] == ["tpd": 230])
            #expect(acme["last_minute"] as? [String: Int] == ["requests": 0, "tokens": 0])
            let day = acme["last_day"] as? [String: Int] ?? [:]
            #expect(day["requests"] == 1 && day["completion_tokens"] == 200 && day["tokens"] == day["prompt_tokens"]! + 200, "\(acme)")

            let refused = try await server.chat(Self.acmeKey)
            #expect(refused.status == 429)
            #expect((Self.error(refused)["message"] as? String ?? "").contains("tpd: tenant acme"))
            // Its minute (…99_980 to …00_039) leaves the day window at 1_700_086_439; it is now …00_120.5.
            #expect(refused.headers["retry-after"] == "86319")

            let globex = try await server.usage("?tenant=globex")
            let only = globex["tenants"] as? [[String: Any]] ?? []
            #expect(only.count == 1 && (only.first?["limits"] as? [String: Int]) == [:])
            #expect((only.first?["last_day"] as? [String: Int])?["requests"] == 1)
            let nobody = Self.tenant(try await server.usage("?tenant=nobody"), "nobody")
            #expect(nobody["last_day"] as? [String: Int] == ["requests": 0, "prompt_tokens": 0, "completion_tokens": 0, "tokens": 0])
            let bad = try await server.request("GET", "/api/v1/admin/usage?tenant=", key: Self.adminKey)
            #expect(bad.status == 400 && bad.body.contains("query parameter 'tenant'"))
            #expect(try await server.request("GET", "/api/v1/admin/usage", key: Self.acmeKey).status == 401)
        }
    }

    /// A copy of the shipped policies whose admission.lua a test rewrites. The edited files have
    /// no tests; their sample inputs (tenant `default`) must still pass.
    static func editablePolicies() throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory()
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        try FileManager.default.copyItem(atPath: repository + "/policies", toPath: dir.file("policies"))
        try FileManager.default.copyItem(atPath: repository + "/lua", toPath: dir.file("lua"))
        try FileManager.default.removeItem(atPath: dir.file("policies/tests/admission_test.lua"))
        return dir
    }

    /// An edited admission.lua applies to the next request; one that fails falls back to the
    /// safe default, which admits, and says so in the decision log.
    @Test func anEditAppliesLiveAndABrokenPolicyAdmits() async throws {
        let dir = try Self.editablePolicies()
        defer { dir.remove() }
        let clock = Clock()
        // A generous limit for everyone puts every request before the policy.
        try await withServer(limits: "*:rpm=1000000", clock: clock, database: dir.file("q.db"), policiesRoot: dir.path) { server in
            #expect(try await server.chat(Self.acmeKey).status == 200, "within the limits: admitted")
            let policies = try #require(server.live.state.policies)

            try """
                function admit(req)
                  if req.tenant == "acme" then return { allow = false, reason = "closed: acme is paused" } end
                  return { allow = true, reason = "open" }
                end
                """.write(toFile: dir.file("policies/admission.lua"), atomically: true, encoding: .utf8)
            guard case .activated = await policies.reload(.admission) else {
                Issue.record("the edited admission.lua should activate")
                return
            }
            let paused = try await server.chat(Self.acmeKey)
            #expect(paused.status == 429 && paused.headers["retry-after"] == "60", "no retry_after_seconds: the default")
            #expect((Self.error(paused)["message"] as? String ?? "").contains("closed: acme is paused"))
            #expect(try await server.chat(Self.globexKey).status == 200)

            try """
                function admit(req)
                  if req.tenant == "acme" then error("broken for acme") end
                  return { allow = true, reason = "open" }
                end
                """.write(toFile: dir.file("policies/admission.lua"), atomically: true, encoding: .utf8)
            guard case .activated = await policies.reload(.admission) else {
                Issue.record("the broken admission.lua passes its samples and should activate")
                return
            }
            #expect(try await server.chat(Self.acmeKey).status == 200, "a failing policy admits")
            await policies.decisionLog.flush()
            let fallbacks = try await server.live.state.store.decisions(policy: "admission", since: nil, limit: 10).filter(\.fallback)
            #expect(fallbacks.count == 1 && (fallbacks.first?.error ?? "").contains("broken for acme"))
            let metrics = try await server.request("GET", "/metrics", key: Self.acmeKey).body
            #expect(metrics.contains(#"admission_denials_total{reason="other"} 1"#), "\(metrics)")
        }
    }

    /// A tenant without any limit is admitted without a call to admission.lua (a Lua call per
    /// /v1 request cost ~30 % of the gateway's CPU): even a policy that refuses everyone lets it
    /// through, and its usage is still counted.
    @Test func aTenantWithoutLimitsIsAdmittedWithoutThePolicy() async throws {
        let dir = try Self.editablePolicies()
        defer { dir.remove() }
        try """
            function admit(req)
              return { allow = false, reason = "closed for everyone" }
            end
            """.write(toFile: dir.file("policies/admission.lua"), atomically: true, encoding: .utf8)
        try await withServer(limits: "acme:tpd=1000000", clock: Clock(), database: dir.file("q.db"), policiesRoot: dir.path) { server in
            #expect(try await server.chat(Self.globexKey).status == 200, "globex has no limit: the policy is not asked")
            #expect(try await server.chat(Self.acmeKey).status == 429, "acme has one: the policy decides")
            let globex = Self.tenant(try await server.usage("?tenant=globex"), "globex")
            #expect((globex["last_minute"] as? [String: Int])?["requests"] == 1, "still counted: \(globex)")
        }
    }
}
