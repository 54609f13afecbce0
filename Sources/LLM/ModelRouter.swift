import Metrics
import OracleCore
import Synchronization

/// One place a request may go: a catalogue provider and the model id sent to it.
public struct RouteTarget: Sendable, Equatable, CustomStringConvertible {
    public var provider: String
    public var model: String

    public init(provider: String, model: String) {
        self.provider = provider
        self.model = model
    }

    public var description: String { "\(provider)/\(model)" }
}

/// What a ``RoutePlanner`` is asked: the request, the model it resolved to, the catalogue, and
/// each provider's health now.
public struct RouteQuestion: Sendable {
    public var request: CompletionRequest
    public var resolved: ModelCatalogue.Model
    public var catalogue: ModelCatalogue
    public var health: [String: AIHealth]
    /// The reply is streamed.
    public var stream: Bool
}

/// Decides where a request goes, in order (routing.lua, through the policy host).
public protocol RoutePlanner: Sendable {
    /// The targets to try in order; nil or empty for the safe default, the resolved model on
    /// its own provider.
    func plan(_ question: RouteQuestion) async -> [RouteTarget]?
}

/// The provider the server holds: the model catalogue's providers, each a
/// ``ResilientProvider`` with its own breaker, retries, health and metrics, and the rule that
/// picks among them.
///
/// A request's `model` (nil: the catalogue's default) is resolved to a catalogue model; the
/// planner (routing.lua) orders the targets; each is tried in turn. A target that fails in a
/// way another provider might not — its breaker is open, it is down, timing out, rate-limited,
/// refusing the key or the model — passes the request to the next (`llm_fallovers_total`);
/// a request the upstream found malformed (other 4xx) does not, on `/v1`, where the client
/// should hear it. Streams fall over only before their first piece. A session message (which
/// allows the fallback reply) falls over on any failure, and only its last target may answer
/// with the fallback text.
///
/// A catalogue with one model has one route: no planner is asked, no relay is added, and the
/// call costs what calling its provider costs.
///
/// ```swift
/// let router = ModelRouter(catalogue: catalogue, providers: ["gemini": gemini, "local": ollama], planner: policy)
/// let reply = try await router.complete(CompletionRequest(messages: turns, model: "fast"))
/// ```
public final class ModelRouter: LLMProvider {
    struct Live: Sendable {
        var catalogue: ModelCatalogue
        var providers: [String: any LLMProvider]
    }

    /// The most targets tried for one request, whatever a planner returns.
    public static let maxTargets = 8

    private let live: Mutex<Live>
    private let planner: (any RoutePlanner)?
    private let metricsFactory: any MetricsFactory
    private let budget: Duration?
    private let now: @Sendable () -> ContinuousClock.Instant

    /// - Parameters:
    ///   - providers: one per catalogue provider, by name (built by ``LLMConfiguration/makeRouter(logger:transport:timing:metricsFactory:planner:)``).
    ///   - budget: no further target is tried once this much time has passed since the request
    ///     began (`LLM_RETRY_BUDGET_MS`): a request's cap holds across providers as within one.
    public init(catalogue: ModelCatalogue, providers: [String: any LLMProvider], planner: (any RoutePlanner)? = nil,
                metricsFactory: (any MetricsFactory)? = nil, budget: Duration? = nil,
                now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        precondition(catalogue.providers.allSatisfy { providers[$0.name] != nil }, "every catalogue provider needs a provider")
        live = Mutex(Live(catalogue: catalogue, providers: providers))
        self.planner = planner
        self.metricsFactory = metricsFactory ?? MetricsSystem.factory
        self.budget = budget
        self.now = now
    }

    /// One provider built elsewhere (tests, benchmarks) as a one-model catalogue: its model
    /// answers to every name.
    public convenience init(single provider: any LLMProvider) {
        let descriptor = provider.descriptor
        let kind = descriptor.isOffline ? .offline : LLMConfiguration.ProviderKind(rawValue: descriptor.name) ?? .openai
        let catalogue = ModelCatalogue.single(.init(name: descriptor.name, kind: kind, baseURL: ""), model: descriptor.model)
        self.init(catalogue: catalogue, providers: [descriptor.name: provider])
    }

    public var catalogue: ModelCatalogue { live.withLock { $0.catalogue } }

    /// The default model on its provider: what sessions use and `/health` names.
    public var descriptor: ProviderDescriptor {
        let (model, provider) = live.withLock { ($0.catalogue.defaultModel, $0.providers[$0.catalogue.defaultModel.provider]!) }
        return ProviderDescriptor(name: model.provider, model: model.upstreamModel, isOffline: provider.descriptor.isOffline)
    }

    /// The catalogue model a request's `model` names; nil for an unknown name.
    public func resolve(_ requested: String?) -> ModelCatalogue.Model? {
        live.withLock { $0.catalogue.resolve(requested) }
    }

    /// Swaps in a new catalogue (a models file reloaded): providers whose definition and probe
    /// model did not change keep their instance, and with it their breaker state and health.
    /// The breaker gauge of a provider let go reads closed, so no alert stays stuck on it.
    public func replace(_ catalogue: ModelCatalogue, building build: (ModelCatalogue.Provider) -> any LLMProvider) {
        let current = live.withLock { $0 }
        var providers: [String: any LLMProvider] = [:]
        for definition in catalogue.providers {
            let unchanged = current.catalogue.provider(named: definition.name) == definition
                && LLMConfiguration.probeModel(of: definition.name, in: current.catalogue)
                    == LLMConfiguration.probeModel(of: definition.name, in: catalogue)
            if unchanged, let kept = current.providers[definition.name] {
                providers[definition.name] = kept
            } else {
                providers[definition.name] = build(definition)
            }
        }
        live.withLock { $0 = Live(catalogue: catalogue, providers: providers) }
        for (name, provider) in current.providers where providers[name].map({ $0 as AnyObject }) !== provider as AnyObject {
            (provider as? ResilientProvider)?.metrics.circuitState.record(CircuitBreaker.State.closed.gaugeValue)
        }
    }

    /// Every provider, by name, as it is now.
    public var providers: [(name: String, provider: any LLMProvider)] {
        live.withLock { live in live.catalogue.providers.map { ($0.name, live.providers[$0.name]!) } }
    }

    /// The default model's provider's health: `/health/ai`'s top level and severity.lua's `ai`.
    public func health() -> AIHealth {
        Self.health(of: live.withLock { $0.providers[$0.catalogue.defaultModel.provider]! })
    }

    /// Each provider's health, by name.
    public func providerHealth() -> [AIHealth] {
        providers.map { Self.health(of: $0.provider) }
    }

    /// A ``ResilientProvider`` keeps its health; a bare provider (tests) has none to show.
    public static func health(of provider: any LLMProvider) -> AIHealth {
        if let resilient = provider as? ResilientProvider { return resilient.health() }
        let descriptor = provider.descriptor
        return AIHealth(status: descriptor.isOffline ? .offline : .healthy, provider: descriptor.name, model: descriptor.model,
                        offline: descriptor.isOffline, circuitState: .closed)
    }

    // MARK: Calls

    public func unsupportedField(in request: CompletionRequest) -> UnsupportedField? {
        guard let (model, provider) = primary(request.model) else { return nil }
        var asked = request
        asked.model = model.upstreamModel
        return provider.unsupportedField(in: asked)
    }

    public func unsupportedField(in request: EmbeddingRequest) -> UnsupportedField? {
        guard let (model, provider) = primary(request.model) else {
            return UnsupportedField(name: "model", reason: "no model named '\(request.model.prefix(64))'")
        }
        return provider.unsupportedField(in: Self.embedding(request, on: model))
    }

    /// To the requested model's own provider: embeddings are not routed. A name only the
    /// wildcard model answers to goes upstream as the client wrote it: that model is a chat
    /// model, and the client names an embedding model its provider knows.
    public func embed(_ request: EmbeddingRequest) async throws -> [UInt8] {
        guard let (model, provider) = primary(request.model) else { throw ModelNotFound(name: request.model) }
        return try await provider.embed(Self.embedding(request, on: model))
    }

    static func embedding(_ request: EmbeddingRequest, on model: ModelCatalogue.Model) -> EmbeddingRequest {
        var asked = request
        if model.name == request.model || model.aliases.contains(request.model) { asked.model = model.upstreamModel }
        return asked
    }

    public func complete(_ request: CompletionRequest) async throws -> Completion {
        let started = now()
        let legs = try await route(request, stream: false)
        for (index, leg) in legs.enumerated() {
            let last = index == legs.count - 1 || !withinBudget(since: started)
            do {
                return try await leg.provider.complete(leg.request(request, last: last))
            } catch where !last && fallsOver(error, on: leg, request) {
                countFallover(from: leg.target.provider)
            }
        }
        preconditionFailure("route() returns at least one target")
    }

    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        // One route: the provider's own stream, no relay task in between.
        if planner == nil || catalogue.hasOneRoute {
            guard let (model, provider) = primary(request.model) else {
                return AsyncThrowingStream { throw ModelNotFound(name: request.model ?? "") }
            }
            var asked = request
            asked.model = model.upstreamModel
            return provider.stream(asked)
        }
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: CompletionChunk.self, throwing: (any Error).self)
        let task = Task {
            do {
                let started = self.now()
                let legs = try await self.route(request, stream: true)
                for (index, leg) in legs.enumerated() {
                    // A client gone during planning or a failed leg starts no further upstream call.
                    try Task.checkCancellation()
                    let last = index == legs.count - 1 || !self.withinBudget(since: started)
                    var pieces = leg.provider.stream(leg.request(request, last: last)).makeAsyncIterator()
                    let first: CompletionChunk?
                    do {
                        first = try await pieces.next()
                    } catch where !last && self.fallsOver(error, on: leg, request) {
                        self.countFallover(from: leg.target.provider)
                        continue
                    }
                    continuation.yield(.started(provider: leg.target.provider, model: leg.target.model))
                    if let first { continuation.yield(first) }
                    while let piece = try await pieces.next() { continuation.yield(piece) }
                    break
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    // MARK: Routing

    struct Leg {
        var target: RouteTarget
        var provider: any LLMProvider

        /// The request as this target gets it: its model id; no fallback reply before the last target.
        func request(_ request: CompletionRequest, last: Bool) -> CompletionRequest {
            var asked = request
            asked.model = target.model
            if !last { asked.allowsFallback = false }
            return asked
        }
    }

    /// The targets for `request`, in order: the planner's, where they name a known provider
    /// that can honour the request, else the resolved model on its own provider.
    func route(_ request: CompletionRequest, stream: Bool) async throws -> [Leg] {
        let live = live.withLock { $0 }
        guard let model = live.catalogue.resolve(request.model) else { throw ModelNotFound(name: request.model ?? "") }
        let primary = Leg(target: RouteTarget(provider: model.provider, model: model.upstreamModel),
                          provider: live.providers[model.provider]!)
        guard let planner, !live.catalogue.hasOneRoute else { return [primary] }
        let health = live.providers.mapValues(Self.health(of:))
        let planned = await planner.plan(RouteQuestion(request: request, resolved: model, catalogue: live.catalogue, health: health, stream: stream)) ?? []
        var legs: [Leg] = []
        for target in planned where legs.count < Self.maxTargets && !legs.contains(where: { $0.target == target }) {
            guard let provider = live.providers[target.provider] else { continue }
            var asked = request
            asked.model = target.model
            // The requested model's own provider was asked before admission (a 400 names the
            // field); another that cannot honour a field is passed over, not sent a request it
            // would drop or refuse.
            if target.provider != model.provider && provider.unsupportedField(in: asked) != nil { continue }
            legs.append(Leg(target: target, provider: provider))
        }
        return legs.isEmpty ? [primary] : legs
    }

    private func primary(_ requested: String?) -> (ModelCatalogue.Model, any LLMProvider)? {
        live.withLock { live in live.catalogue.resolve(requested).map { ($0, live.providers[$0.provider]!) } }
    }

    private func withinBudget(since started: ContinuousClock.Instant) -> Bool {
        budget.map { now() - started < $0 } ?? true
    }

    /// Whether the next target may answer where `leg` failed: a request's own model refusing
    /// it on `/v1` is the client's to hear; a target routing.lua put in its place is not.
    private func fallsOver(_ error: any Error, on leg: Leg, _ request: CompletionRequest) -> Bool {
        let requested = live.withLock { $0.catalogue.resolve(request.model) }
        let isRequested = requested.map { leg.target == RouteTarget(provider: $0.provider, model: $0.upstreamModel) } ?? false
        return Self.fallsOver(error, allowsFallback: request.allowsFallback || !isRequested)
    }

    /// Whether another provider may answer where this one failed (see the type's notes).
    static func fallsOver(_ error: any Error, allowsFallback: Bool) -> Bool {
        let failure = UpstreamError.from(error).error
        if failure == .cancelled || Task.isCancelled { return false }
        if allowsFallback { return true }
        if case .circuitOpen = failure { return true }
        return ResilientProvider.breakerOutcome(of: failure) == .failure
    }

    private func countFallover(from provider: String) {
        Counter(label: "llm_fallovers_total", dimensions: [("provider", provider)], factory: metricsFactory).increment()
    }
}

/// A `model` the catalogue does not know (`404 model_not_found` on `/v1`): a reload may remove
/// it between the route's check and the call.
public struct ModelNotFound: Error, Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var description: String { "no model named '\(name.prefix(64))'" }
}
