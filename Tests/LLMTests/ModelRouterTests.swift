@testable import LLM
import Synchronization
import Testing

/// The router's own rules, apart from HTTP: which failures pass a request to the next target,
/// when routing.lua is asked at all, and the time cap across targets. (End to end, with real
/// upstreams and the shipped policy: HTTPServerTests/ModelRoutingTests.)
@Suite struct ModelRouterTests {
    /// A provider that answers or fails as told and counts its calls: the rules under test are
    /// the router's, not a transport's.
    final class Scripted: LLMProvider, Sendable {
        let descriptor: ProviderDescriptor
        let failure: LLMError?
        let onCall: @Sendable () -> Void
        private let count = Mutex(0)
        var calls: Int { count.withLock { $0 } }

        init(_ name: String, failing failure: LLMError? = nil, onCall: @escaping @Sendable () -> Void = {}) {
            descriptor = ProviderDescriptor(name: name, model: "\(name)-model", isOffline: false)
            self.failure = failure
            self.onCall = onCall
        }

        func complete(_ request: CompletionRequest) async throws -> Completion {
            count.withLock { $0 += 1 }
            onCall()
            if let failure { throw UpstreamError(failure) }
            return Completion(text: "from \(descriptor.name)", usage: .zero, provider: descriptor.name, model: request.model ?? "")
        }

        func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
            AsyncThrowingStream { continuation in
                Task {
                    do {
                        let completion = try await self.complete(request)
                        continuation.yield(.delta(completion.text))
                        continuation.yield(.done(completion))
                        continuation.finish()
                    } catch {
                        continuation.finish(throwing: error)
                    }
                }
            }
        }
    }

    final class CountingPlanner: RoutePlanner {
        let targets: [RouteTarget]
        private let count = Mutex(0)
        var calls: Int { count.withLock { $0 } }
        init(_ targets: [RouteTarget]) { self.targets = targets }

        func plan(_ question: RouteQuestion) async -> [RouteTarget]? {
            count.withLock { $0 += 1 }
            return targets
        }
    }

    static func catalogue(_ providers: [String]) throws -> ModelCatalogue {
        try ModelCatalogue(providers: providers.map { .init(name: $0, kind: .openai, baseURL: "http://127.0.0.1:9/v1") },
                           models: providers.map { .init(name: "\($0)-model", provider: $0) }, defaultModel: "\(providers[0])-model")
    }

    static let question = CompletionRequest(messages: [.init(role: .user, content: "hi")], allowsFallback: false)

    @Test(arguments: [
        (LLMError.http(status: 500, message: "x"), true), (.http(status: 503, message: "x"), true),
        (.http(status: 429, message: "x"), true), (.http(status: 408, message: "x"), true),
        (.http(status: 401, message: "bad key"), true), (.http(status: 404, message: "no model"), true),
        (.timeout("first byte"), true), (.transport("refused"), true), (.invalidResponse("garbage"), true),
        (.circuitOpen(provider: "a"), true),
        (.http(status: 400, message: "bad schema"), false), (.http(status: 422, message: "x"), false),
        (.cancelled, false),
    ])
    func onV1OnlyFailuresAnotherProviderMightNotShareFallOver(error: LLMError, fallsOver: Bool) {
        #expect(ModelRouter.fallsOver(UpstreamError(error), allowsFallback: false) == fallsOver)
        // A session's message falls over on anything but a cancellation.
        #expect(ModelRouter.fallsOver(UpstreamError(error), allowsFallback: true) == (error != .cancelled))
    }

    @Test func oneModelIsOneRouteAndThePlannerIsNeverAsked() async throws {
        let only = Scripted("solo")
        let planner = CountingPlanner([RouteTarget(provider: "solo", model: "elsewhere")])
        let router = ModelRouter(catalogue: try Self.catalogue(["solo"]), providers: ["solo": only], planner: planner)
        _ = try await router.complete(Self.question)
        for try await _ in router.stream(Self.question) {}
        #expect(planner.calls == 0 && only.calls == 2)

        let two = ModelRouter(catalogue: try Self.catalogue(["a", "b"]), providers: ["a": Scripted("a"), "b": Scripted("b")],
                              planner: planner)
        let reply = try await two.complete(Self.question)
        #expect(planner.calls == 1, "with two models the planner is asked")
        #expect(reply.provider == "a" && reply.model == "a-model",
                "its only target names a provider this catalogue lacks: dropped, the requested model answers")
    }

    @Test func aStreamThatFallsOverSaysWhoAnswersBeforeItsFirstPiece() async throws {
        let planner = CountingPlanner([RouteTarget(provider: "a", model: "a-model"), RouteTarget(provider: "b", model: "b-model")])
        let router = ModelRouter(catalogue: try Self.catalogue(["a", "b"]),
                                 providers: ["a": Scripted("a", failing: .http(status: 502, message: "down")), "b": Scripted("b")],
                                 planner: planner)
        var chunks: [CompletionChunk] = []
        for try await chunk in router.stream(Self.question) { chunks.append(chunk) }
        #expect(chunks.first == .started(provider: "b", model: "b-model"))
        #expect(chunks.dropFirst().first == .delta("from b"))
    }

    /// `LLM_RETRY_BUDGET_MS` holds across targets: once spent, the next target is the last tried.
    @Test func theTimeCapHoldsAcrossTargets() async throws {
        let clock = ManualInstant()
        let slowFailure: @Sendable () -> Void = { clock.advance(by: .seconds(31)) }
        let providers = ["a": Scripted("a", failing: .http(status: 503, message: "slow"), onCall: slowFailure),
                         "b": Scripted("b", failing: .http(status: 503, message: "slow"), onCall: slowFailure),
                         "c": Scripted("c")]
        let planner = CountingPlanner(["a", "b", "c"].map { RouteTarget(provider: $0, model: "\($0)-model") })
        let router = ModelRouter(catalogue: try Self.catalogue(["a", "b", "c"]), providers: providers, planner: planner,
                                 budget: .seconds(30), now: { clock.now })
        await #expect(throws: UpstreamError.self) { _ = try await router.complete(Self.question) }
        #expect(providers["a"]!.calls == 1 && providers["b"]!.calls == 1 && providers["c"]!.calls == 0)
    }
}
