import Foundation
import HTTPServer
import Hummingbird
import HummingbirdTesting
import LLM
import Logging
import Operations
import OracleCore
import Policies
import Sessions
import Storage
import Testing
import TestSupport

/// The model catalogue and routing.lua end to end: two real loopback upstreams (one
/// OpenAI-compatible, one Gemini), a models file, the shipped policies (or an edited copy), the
/// real provider stack and SQLite. What a client sees: which upstream got the request, with
/// which model id, and what came back.
@Suite struct ModelRoutingTests {
    static let alphaKey = "sk-alpha-secret-0123456789"
    static let betaKey = "AIza-beta-secret-0123456789"

    /// `big` (auto) and `small` (cheap) on the OpenAI-compatible `alpha`, `backup` (fallback)
    /// on Gemini `beta`; `big` is the default.
    static func modelsFile(alpha: String, beta: String, extra: String = "") -> String {
        """
        default_model: big
        providers:
          alpha: { type: openai, base_url: "\(alpha)", api_key_env: ALPHA_KEY }
          beta: { type: gemini, base_url: "\(beta)", api_key_env: BETA_KEY }
        models:
          big: { provider: alpha, model: big-1, aliases: [large], tags: [auto] }
          small: { provider: alpha, model: small-1, tags: [cheap] }
          backup: { provider: beta, model: backup-1, tags: [fallback] }
        \(extra)
        """
    }

    static let environment = ["ALPHA_KEY": alphaKey, "BETA_KEY": betaKey]
    /// Over SHORT_PROMPT_TOKENS (400) estimated tokens: the requested model answers.
    static let longPrompt = String(repeating: "a long question ", count: 120)

    struct Fixture: Sendable {
        let alpha: FakeUpstream
        let beta: FakeUpstream
        let state: ServerState
        let policies: PolicyHost
        let watcher: ModelCatalogueWatcher
        let dir: TemporaryDirectory

        static func chat(model: String?, _ content: String = ModelRoutingTests.longPrompt, stream: Bool = false) -> String {
            let name = model.map { #""model":"\#($0)","# } ?? ""
            return #"{\#(name)"stream":\#(stream),"messages":[{"role":"user","content":"\#(content)"}]}"#
        }

        /// The `model` each upstream was asked for, in order (Gemini's is in the path).
        var alphaModels: [String] {
            alpha.requests.compactMap { request in
                (try? JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])?["model"] as? String
            }
        }

        var betaModels: [String] {
            beta.requests.compactMap { $0.path.split(separator: "/").last?.split(separator: ":").first.map(String.init) }
        }
    }

    func withRouting(_ settings: [String: String] = [:], mode: TestingSetup = .router, _ test: @escaping @Sendable (any TestClientProtocol, Fixture) async throws -> Void) async throws {
        let alpha = try await FakeUpstream.start(replyText: "alpha answers")
        let beta = try await FakeUpstream.start(replyText: "beta answers")
        let dir = try TemporaryDirectory()
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        try FileManager.default.copyItem(atPath: repository + "/policies", toPath: dir.file("policies"))
        try FileManager.default.copyItem(atPath: repository + "/lua", toPath: dir.file("lua"))
        let text = Self.modelsFile(alpha: alpha.openAIBaseURL, beta: beta.baseURL)
        try dir.write("models.yaml", text)
        let logs = LogCapture()
        let transport = HTTPTransport(logger: logs.logger)
        var failure: (any Error)?
        do {
            var values = ["MODELS_FILE": dir.file("models.yaml"), "LLM_MAX_ATTEMPTS": "1", "LLM_RETRY_BASE_DELAY_MS": "1",
                          "AI_HEALTH_PROBE_INTERVAL": "0"]
            values.merge(settings) { $1 }
            let config = try await TestConfig.make(values, in: dir)
            let store = try SQLiteStore(location: config.database)
            try await store.migrate()
            let policies = PolicyHost(configuration: .init(policiesDirectory: dir.file("policies"), luaDirectory: dir.file("lua")),
                                      store: store, logger: logs.logger)
            await policies.start()
            let loaded = try #require(try ModelCatalogueFile.load(path: config.modelsFile, environment: Self.environment))
            // As `serve` builds it.
            let (router, watcher) = ModelGateway.make(config: config, models: loaded, policies: policies, logger: logs.logger,
                                                      environment: Self.environment, transport: transport)
            let state = ServerState(config: config, store: store, provider: router, logger: logs.logger, policies: policies)
            let app = OracleApplication.make(state: state, logger: logs.logger)
            let fixture = Fixture(alpha: alpha, beta: beta, state: state, policies: policies, watcher: watcher, dir: dir)
            do {
                try await app.test(mode) { client in try await test(client, fixture) }
            } catch {
                failure = error
            }
            try? store.close()
        } catch {
            failure = error
        }
        await transport.shutdown()
        await alpha.stop()
        await beta.stop()
        dir.remove()
        if let failure { throw failure }
        #expect(!logs.text.contains(Self.alphaKey) && !logs.text.contains(Self.betaKey), "keys never reach the log")
    }

    static func json(_ response: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.text.utf8))) as? [String: Any] ?? [:]
    }

    // MARK: The catalogue on /v1

    @Test func modelsListsTheCatalogueAndUnknownModelsAre404() async throws {
        try await withRouting { client, fixture in
            let list = Self.json(try await client.get("/v1/models"))
            let data = try #require(list["data"] as? [[String: Any]])
            #expect(data.compactMap { $0["id"] as? String } == ["backup", "big", "small"])
            let big = try #require(data.first { $0["id"] as? String == "big" })
            #expect(big["owned_by"] as? String == "alpha")
            let oracle = try #require(big["oracle"] as? [String: Any])
            #expect(oracle["upstream_model"] as? String == "big-1" && oracle["default"] as? Bool == true)
            #expect(oracle["aliases"] as? [String] == ["large"])

            let byAlias = try await client.get("/v1/models/large")
            #expect(byAlias.status == .ok && Self.json(byAlias)["id"] as? String == "big")

            for response in [try await client.get("/v1/models/gpt-4o"),
                             try await client.post("/v1/chat/completions", Fixture.chat(model: "gpt-4o"))] {
                #expect(response.status == .notFound)
                let error = try #require(Self.json(response)["error"] as? [String: Any])
                #expect(error["code"] as? String == "model_not_found" && error["param"] as? String == "model")
                #expect(error["type"] as? String == "invalid_request_error")
            }
            #expect(fixture.alpha.requests.isEmpty && fixture.beta.requests.isEmpty, "an unknown model reaches no upstream")
        }
    }

    @Test func aModelByNameOrAliasGoesToItsProviderWithItsID() async throws {
        try await withRouting { client, fixture in
            let reply = try await client.post("/v1/chat/completions", Fixture.chat(model: "large"))
            #expect(reply.status == .ok)
            #expect(Self.json(reply)["model"] as? String == "big-1")
            let backup = try await client.post("/v1/chat/completions", Fixture.chat(model: "backup"))
            #expect(backup.status == .ok)
            let choices = Self.json(backup)["choices"] as? [[String: Any]]
            #expect((choices?.first?["message"] as? [String: Any])?["content"] as? String == "beta answers")
            #expect(fixture.alphaModels == ["big-1"])
            #expect(fixture.betaModels == ["backup-1"])
            let noModel = try await client.post("/v1/chat/completions", Fixture.chat(model: nil))
            #expect(noModel.status == .ok && Self.json(noModel)["model"] as? String == "big-1", "no model: the default")
        }
    }

    // MARK: routing.lua as shipped

    @Test func aShortPlainPromptToAnAutoModelGoesToTheCheapOne() async throws {
        try await withRouting { client, fixture in
            let short = try await client.post("/v1/chat/completions", Fixture.chat(model: "big", "hi"))
            #expect(short.status == .ok)
            let tools = #"{"model":"big","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]}"#
            let withTools = try await client.post("/v1/chat/completions", tools)
            #expect(withTools.status == .ok)
            #expect(fixture.alphaModels == ["small-1", "big-1"], "the short prompt went to the cheap model; the one with tools did not")
        }
    }

    @Test(arguments: [false, true])
    func anOutageFallsOverToTheOtherProvider(streamed: Bool) async throws {
        try await withRouting { client, fixture in
            // An upstream that echoes the key it was sent: it must not reach a log or an answer.
            fixture.alpha.enqueue(.status(503, body: #"{"error":{"message":"overloaded for key \#(ModelRoutingTests.alphaKey)"}}"#))
            let reply = try await client.post("/v1/chat/completions", Fixture.chat(model: "big", stream: streamed))
            #expect(reply.status == .ok)
            let models = streamed ? reply.sseObjects.compactMap { $0["model"] as? String } : [Self.json(reply)["model"] as? String ?? ""]
            #expect(!models.isEmpty && models.allSatisfy { $0 == "backup-1" }, "every chunk names the model that answered: \(models)")
            let text = streamed
                ? reply.sseObjects.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String }.joined()
                : ((Self.json(reply)["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
            #expect(text == "beta answers", "\(reply.text)")
            #expect(fixture.alphaModels == ["big-1"] && fixture.betaModels == ["backup-1"])
            let health = Self.json(try await client.get("/health/ai"))
            let providers = try #require(health["providers"] as? [[String: Any]])
            #expect(providers.compactMap { $0["provider"] as? String } == ["alpha", "beta"])
            #expect((providers[0]["failures"] as? Int) == 1 && (providers[1]["requests"] as? Int) == 1)
            let healthText = try await client.get("/health/ai").text
            #expect(healthText.contains("overloaded for key") && !healthText.contains(ModelRoutingTests.alphaKey),
                    "the upstream's message is shown, its echo of the key is not")
        }
    }

    /// Once a piece of the reply reached the client, another provider cannot take over.
    @Test func aStreamCutAfterItsFirstPieceDoesNotFallOver() async throws {
        try await withRouting { client, fixture in
            fixture.alpha.enqueue(.resetMidStream(afterDeltas: 1))
            let reply = try await client.post("/v1/chat/completions", Fixture.chat(model: "big", stream: true))
            #expect(reply.status == .ok)
            #expect(reply.sseObjects.contains { $0["error"] != nil }, "the cut is said in the stream")
            #expect(fixture.beta.requests.isEmpty)
        }
    }

    /// A 400 from a model routing.lua put in place of the requested one is not the client's
    /// mistake: the next target, the requested model, answers.
    @Test func aRefusalFromASubstitutedModelFallsOver() async throws {
        try await withRouting { client, fixture in
            fixture.alpha.enqueue(.status(400, body: #"{"error":{"message":"max_tokens too large for small-1"}}"#))
            let reply = try await client.post("/v1/chat/completions", Fixture.chat(model: "big", "hi", stream: true))
            #expect(reply.status == .ok)
            #expect(fixture.alphaModels == ["small-1", "big-1"])
            #expect(reply.sseObjects.compactMap { $0["model"] as? String }.allSatisfy { $0 == "big-1" })
        }
    }

    @Test func aRequestTheUpstreamRefusesIsNotSentElsewhere() async throws {
        try await withRouting { client, fixture in
            fixture.alpha.enqueue(.status(400, body: #"{"error":{"message":"bad schema"}}"#))
            let reply = try await client.post("/v1/chat/completions", Fixture.chat(model: "big"))
            #expect(reply.status == .badRequest)
            #expect(fixture.beta.requests.isEmpty, "the client's own mistake is the client's to hear")
        }
    }

    @Test func anOpenBreakerSendsTrafficStraightToTheFallback() async throws {
        try await withRouting(["LLM_BREAKER_WINDOW": "2", "LLM_BREAKER_MIN_REQUESTS": "2", "LLM_BREAKER_OPEN_SECONDS": "600"]) { client, fixture in
            fixture.alpha.enqueue(.status(500), times: 2)
            for _ in 0..<2 { #expect(try await client.post("/v1/chat/completions", Fixture.chat(model: "big")).status == .ok) }
            let health = Self.json(try await client.get("/health/ai"))
            let alpha = try #require((health["providers"] as? [[String: Any]])?.first)
            #expect(alpha["circuit_state"] as? String == "open")
            #expect(health["circuit_state"] as? String == "open", "the top level is the default model's provider")

            #expect(try await client.post("/v1/chat/completions", Fixture.chat(model: "big")).status == .ok)
            #expect(fixture.alpha.requests.count == 2, "alpha, failing, is tried last: beta answered first")
            #expect(fixture.betaModels == ["backup-1", "backup-1", "backup-1"])
        }
    }

    @Test func everyProviderDownIsAnHonestErrorOnV1AndTheFlaggedFallbackForASession() async throws {
        try await withRouting { client, fixture in
            fixture.alpha.enqueue(.status(502), times: 2)
            fixture.beta.enqueue(.status(503), times: 2)
            let v1 = try await client.post("/v1/chat/completions", Fixture.chat(model: "big"))
            #expect(v1.status == .serviceUnavailable || v1.status == .badGateway, "\(v1.status)")

            let created = try await client.post("/api/v1/sessions", #"{"title":"routed"}"#)
            let id = try #require(Self.json(created)["id"] as? String, "\(created.status) \(created.text)")
            let message = Self.json(try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"\#(ModelRoutingTests.longPrompt)"}"#))
            #expect(message["fallback"] as? Bool == true, "\(message)")
            #expect(fixture.alpha.requests.count == 2 && fixture.beta.requests.count == 2, "each provider tried once per request")
        }
    }

    @Test func aSessionMessageFallsOverToo() async throws {
        try await withRouting { client, fixture in
            fixture.alpha.enqueue(.status(500))
            let created = try await client.post("/api/v1/sessions", #"{"title":"routed"}"#)
            let id = try #require(Self.json(created)["id"] as? String, "\(created.status) \(created.text)")
            let message = Self.json(try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"\#(ModelRoutingTests.longPrompt)"}"#))
            #expect(message["content"] as? String == "beta answers", "\(message)")
            #expect(message["provider"] as? String == "beta" && message["model"] as? String == "backup-1")
        }
    }

    /// What the issue asks of real clients: the official openai SDK lists the catalogue, gets
    /// its own NotFoundError for an unknown model, and is answered by the second provider while
    /// the first is down.
    @Test func theOpenAISDKSeesTheCatalogueAndTheFallover() async throws {
        try await withRouting(mode: .live) { client, fixture in
            fixture.alpha.enqueue(.status(503))
            let lines = try await OpenAISDKToolCallingTests.python("""
                print(",".join(m.id for m in client.models.list().data))
                try:
                    client.chat.completions.create(model="gpt-5", messages=[{"role": "user", "content": "hi"}])
                except openai.NotFoundError as e:
                    print("NotFoundError", e.status_code, e.body["code"])
                r = client.chat.completions.create(model="large", messages=[{"role": "user", "content": "\(Self.longPrompt)"}])
                print(r.model, r.choices[0].message.content)
                """, port: try #require(client.port))
            #expect(lines == ["backup,big,small", "NotFoundError 404 model_not_found", "backup-1 beta answers"])
            #expect(fixture.alphaModels == ["big-1"] && fixture.betaModels == ["backup-1"])
        }
    }

    // MARK: Live edits

    @Test func aRoutingEditChangesWhereRequestsGo() async throws {
        try await withRouting { client, fixture in
            #expect(try await client.post("/v1/chat/completions", Fixture.chat(model: "big")).status == .ok)
            try """
                function route(req)
                  return { targets = { { provider = "beta", model = "pinned-1" } }, reason = "everything to beta" }
                end
                """.write(toFile: fixture.dir.file("policies/routing.lua"), atomically: true, encoding: .utf8)
            try FileManager.default.removeItem(atPath: fixture.dir.file("policies/tests/routing_test.lua"))
            guard case .activated = await fixture.policies.reload(.routing) else {
                Issue.record("the edited routing.lua should activate")
                return
            }
            #expect(try await client.post("/v1/chat/completions", Fixture.chat(model: "big")).status == .ok)
            #expect(fixture.alphaModels == ["big-1"] && fixture.betaModels == ["pinned-1"])

            try """
                function route(req)
                  return { targets = { { provider = "nowhere", model = "x" } }, reason = "a provider that does not exist" }
                end
                """.write(toFile: fixture.dir.file("policies/routing.lua"), atomically: true, encoding: .utf8)
            guard case .activated = await fixture.policies.reload(.routing) else {
                Issue.record("the edited routing.lua should activate")
                return
            }
            #expect(try await client.post("/v1/chat/completions", Fixture.chat(model: "big")).status == .ok)
            #expect(fixture.alphaModels == ["big-1", "big-1"], "an unknown provider is dropped: the requested model's own answers")

            let nine = (1...9).map { #"{ provider = "beta", model = "m\#($0)" }"# }.joined(separator: ", ")
            try "function route(req) return { targets = { \(nine) }, reason = \"too many\" } end"
                .write(toFile: fixture.dir.file("policies/routing.lua"), atomically: true, encoding: .utf8)
            if case .activated = await fixture.policies.reload(.routing) {
                Issue.record("nine targets break the contract: the version must not go live")
            }
            #expect(try await client.post("/v1/chat/completions", Fixture.chat(model: "big")).status == .ok)
            #expect(fixture.alphaModels == ["big-1", "big-1", "big-1"], "the last good version still routes")
        }
    }

    @Test func aModelsFileEditIsLiveAndABrokenOneKeepsTheLastGood() async throws {
        try await withRouting { client, fixture in
            let alphaBefore = try #require(fixture.state.router.providers.first { $0.name == "alpha" }?.provider as? ResilientProvider)
            #expect(fixture.watcher.checkOnce() == .unchanged)
            let edited = Self.modelsFile(alpha: fixture.alpha.openAIBaseURL, beta: fixture.beta.baseURL,
                                         extra: "  mini: { provider: alpha, model: mini-2 }")
            try fixture.dir.write("models.yaml", edited)
            #expect(fixture.watcher.checkOnce() == .settling, "a first read of new text waits for a second")
            #expect(fixture.watcher.checkOnce() == .reloaded)
            #expect(try await client.get("/v1/models/mini").status == .ok)
            let alphaAfter = try #require(fixture.state.router.providers.first { $0.name == "alpha" }?.provider as? ResilientProvider)
            #expect(alphaBefore === alphaAfter, "an unchanged provider keeps its breaker and health")

            try fixture.dir.write("models.yaml", edited + "\n  broken: { provider: nowhere }")
            #expect(fixture.watcher.checkOnce() == .settling)
            guard case .refused(let reason) = fixture.watcher.checkOnce() else {
                Issue.record("a model on an undefined provider must be refused")
                return
            }
            #expect(reason.contains("models.broken.provider") && reason.contains("nowhere"))
            #expect(fixture.watcher.checkOnce() == .unchanged, "a refusal is reported once")
            #expect(try await client.get("/v1/models/mini").status == .ok, "the last good catalogue stays")
            #expect(try await client.post("/v1/chat/completions", Fixture.chat(model: "mini")).status == .ok)
            #expect(fixture.alphaModels == ["mini-2"])
        }
    }
}
