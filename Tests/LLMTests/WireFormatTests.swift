import Foundation
import LLM
import OracleCore
import Testing
import TestSupport

/// Both wire formats, JSON and SSE, against the fake upstream over real libcurl.
@Suite struct WireFormatTests {
    private func raw(_ kind: LLMConfiguration.ProviderKind, _ upstream: FakeUpstream, transport: HTTPTransport, key: String? = "default") -> any LLMProvider {
        switch kind {
        case .gemini:
            GeminiProvider(apiKey: Fixture.geminiKey, model: "gemini-test", baseURL: upstream.baseURL, transport: transport, timeouts: Fixture.quickTimeouts)
        default:
            OpenAICompatibleProvider(baseURL: upstream.openAIBaseURL, apiKey: key == "default" ? Fixture.openAIKey : key,
                                     model: "gpt-test", transport: transport, timeouts: Fixture.quickTimeouts)
        }
    }

    @Test(arguments: [LLMConfiguration.ProviderKind.gemini, .openai])
    func completeReturnsTextAndUsageWithCachedTokens(kind: LLMConfiguration.ProviderKind) async throws {
        let upstream = try await FakeUpstream.start(usage: FakeUpstreamUsage(prompt: 12, completion: 5, cached: 4))
        let transport = HTTPTransport(logger: LogCapture().logger)
        let provider = raw(kind, upstream, transport: transport)
        let reply = try await bounded { try await provider.complete(Fixture.hello) }
        #expect(reply.text == "Echo: hello there")
        #expect(reply.usage == TokenUsage(promptTokens: 12, completionTokens: 5, totalTokens: 17, cachedTokens: 4))
        #expect(reply.finishReason == "stop")
        #expect(reply.provider == (kind == .gemini ? "gemini" : "openai"))
        #expect(reply.isFallback == false)
        await transport.shutdown()
        await upstream.stop()
    }

    @Test(arguments: [LLMConfiguration.ProviderKind.gemini, .openai])
    func streamYieldsDeltasThenDoneWithUsage(kind: LLMConfiguration.ProviderKind) async throws {
        let upstream = try await FakeUpstream.start(replyText: "one two three", usage: FakeUpstreamUsage(prompt: 9, completion: 3, cached: 2))
        let transport = HTTPTransport(logger: LogCapture().logger)
        let collected = try await collect(raw(kind, upstream, transport: transport).stream(Fixture.hello))
        #expect(collected.error == nil)
        #expect(collected.deltas == ["one ", "two ", "three"])
        #expect(collected.done?.text == "one two three")
        #expect(collected.done?.usage == TokenUsage(promptTokens: 9, completionTokens: 3, cachedTokens: 2))
        await transport.shutdown()
        await upstream.stop()
    }

    /// The request bodies are written by hand (JSONWriter): text that needs escaping must reach
    /// the upstream exactly as the user wrote it, and the numbers must read back.
    @Test(arguments: [LLMConfiguration.ProviderKind.gemini, .openai])
    func textNeedingEscapesReachesTheUpstreamIntact(kind: LLMConfiguration.ProviderKind) async throws {
        let upstream = try await FakeUpstream.start()
        let transport = HTTPTransport(logger: LogCapture().logger)
        let tricky = "quote \" backslash \\ slash / newline \n tab \t cr \r bell \u{07} nul \u{00} é 日本 🦀 \u{2028}"
        let request = CompletionRequest(messages: [.init(role: .system, content: "sys \"x\""), .init(role: .user, content: tricky)],
                                        temperature: 0.7, maxOutputTokens: 12)
        let reply = try await bounded { try await raw(kind, upstream, transport: transport).complete(request) }
        #expect(reply.text == "Echo: \(tricky)")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(upstream.requests[0].body.utf8)) as? [String: Any])
        if kind == .openai {
            #expect(body["temperature"] as? Double == 0.7)
            #expect(body["max_tokens"] as? Int == 12)
            #expect((body["messages"] as? [[String: Any]])?.first?["content"] as? String == "sys \"x\"")
        } else {
            #expect((body["generationConfig"] as? [String: Any])?["temperature"] as? Double == 0.7)
        }
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func geminiSendsKeyInHeaderAndSystemInstruction() async throws {
        let upstream = try await FakeUpstream.start()
        let transport = HTTPTransport(logger: LogCapture().logger)
        let provider = raw(.gemini, upstream, transport: transport)
        _ = try await bounded { try await provider.complete(Fixture.hello) }
        _ = try await collect(provider.stream(Fixture.hello))
        let requests = upstream.requests
        #expect(requests.map(\.path) == ["/v1beta/models/gemini-test:generateContent",
                                         "/v1beta/models/gemini-test:streamGenerateContent?alt=sse"])
        for request in requests {
            #expect(request.header("x-goog-api-key") == Fixture.geminiKey)
            #expect(!request.path.contains(Fixture.geminiKey))
            #expect(request.header("authorization") == nil)
        }
        let body = try JSONSerialization.jsonObject(with: Data(requests[0].body.utf8)) as? [String: Any]
        let contents = body?["contents"] as? [[String: Any]]
        #expect(contents?.map { $0["role"] as? String } == ["user"])
        let system = body?["systemInstruction"] as? [String: Any]
        #expect((system?["parts"] as? [[String: Any]])?.first?["text"] as? String == "Be brief.")
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func geminiMapsAssistantToModelRole() async throws {
        let upstream = try await FakeUpstream.start()
        let transport = HTTPTransport(logger: LogCapture().logger)
        let request = CompletionRequest(messages: [.init(role: .user, content: "a"), .init(role: .assistant, content: "b"),
                                                   .init(role: .user, content: "c")], temperature: 0.2, maxOutputTokens: 50)
        let reply = try await bounded { try await raw(.gemini, upstream, transport: transport).complete(request) }
        #expect(reply.text == "Echo: c")
        let body = try JSONSerialization.jsonObject(with: Data(upstream.requests[0].body.utf8)) as? [String: Any]
        #expect((body?["contents"] as? [[String: Any]])?.map { $0["role"] as? String } == ["user", "model", "user"])
        #expect((body?["generationConfig"] as? [String: Any])?["maxOutputTokens"] as? Int == 50)
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func openAISendsBearerOnlyWithAKeyAndAsksForStreamUsage() async throws {
        let upstream = try await FakeUpstream.start()
        let transport = HTTPTransport(logger: LogCapture().logger)
        _ = try await collect(raw(.openai, upstream, transport: transport).stream(Fixture.hello))
        _ = try await bounded { try await raw(.openai, upstream, transport: transport, key: nil).complete(Fixture.hello) }
        let requests = upstream.requests
        #expect(requests.map(\.path) == ["/v1/chat/completions", "/v1/chat/completions"])
        #expect(requests[0].header("authorization") == "Bearer \(Fixture.openAIKey)")
        #expect(requests[1].header("authorization") == nil)
        let body = try JSONSerialization.jsonObject(with: Data(requests[0].body.utf8)) as? [String: Any]
        #expect(body?["stream"] as? Bool == true)
        #expect((body?["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
        #expect((body?["messages"] as? [[String: Any]])?.first?["role"] as? String == "system")
        await transport.shutdown()
        await upstream.stop()
    }

    @Test(arguments: [LLMConfiguration.ProviderKind.gemini, .openai])
    func malformedJSONIsInvalidResponse(kind: LLMConfiguration.ProviderKind) async throws {
        let upstream = try await FakeUpstream.start()
        upstream.enqueue(.malformedJSON, .malformedJSON)
        let transport = HTTPTransport(logger: LogCapture().logger)
        let provider = raw(kind, upstream, transport: transport)
        let thrown = try await bounded { () async -> LLMError? in
            do { _ = try await provider.complete(Fixture.hello); return nil } catch { return llmError(error) }
        }
        guard case .invalidResponse? = thrown else {
            Issue.record("expected invalidResponse, got \(String(describing: thrown))")
            return
        }
        let streamed = try await collect(provider.stream(Fixture.hello))
        guard case .invalidResponse? = llmError(streamed.error) else {
            Issue.record("expected invalidResponse from the stream, got \(String(describing: streamed.error))")
            return
        }
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func httpErrorCarriesStatusMessageAndRetryHint() async throws {
        let upstream = try await FakeUpstream.start()
        upstream.enqueue(.geminiRetryInfo(retryDelay: "1.5s"))
        let transport = HTTPTransport(logger: LogCapture().logger)
        do {
            _ = try await bounded { try await raw(.gemini, upstream, transport: transport).complete(Fixture.hello) }
            Issue.record("expected an error")
        } catch let failure as UpstreamError {
            #expect(failure.error == .http(status: 429, message: "Resource has been exhausted"))
            #expect(failure.retryAfter == .milliseconds(1500))
        }
        await transport.shutdown()
        await upstream.stop()
    }
}
