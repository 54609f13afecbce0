import LLM
import LuaRuntime
import OracleCore
import Policies

/// routing.lua as the ``ModelRouter``'s planner: builds `route(req)`'s input from the request,
/// the catalogue and each provider's health, and hands back the targets. A failing policy's
/// safe default (no targets) leaves the request on the requested model's own provider.
public struct RoutingPolicy: RoutePlanner {
    let policies: PolicyHost

    public init(policies: PolicyHost) {
        self.policies = policies
    }

    public func plan(_ question: RouteQuestion) async -> [RouteTarget]? {
        let decision = await policies.route(Self.input(for: question)).value
        return decision.targets.map { RouteTarget(provider: $0.provider, model: $0.model) }
    }

    /// The policy's input for `question`.
    public static func input(for question: RouteQuestion) -> RoutingInput {
        let request = question.request
        let body = request.openAIBody
        var format: String?
        if case .object(let fields)? = body?.fields["response_format"], case .string(let type)? = fields["type"] { format = type }
        let needsTools = body?.fields["tools"] != nil
            || request.messages.contains { $0.toolCallID != nil || !($0.toolCalls ?? []).isEmpty }
        let bytes = body?.bytes.count ?? request.messages.reduce(0) { $0 + $1.content.utf8.count }
        let providers = Dictionary(uniqueKeysWithValues: question.catalogue.providers.map { provider in
            let health = question.health[provider.name]
            return (provider.name, RoutingInput.Provider(
                type: provider.kind.rawValue, breaker: health?.circuitState.rawValue ?? "closed",
                status: health?.status.rawValue ?? "healthy", requests: health?.window.requests ?? 0,
                failures: health?.window.failures ?? 0, latencyMs: health?.window.averageLatencyMs))
        })
        return RoutingInput(
            tenant: request.tenant ?? "default", route: request.allowsFallback ? "sessions" : "v1",
            requestedModel: request.model ?? "", resolved: model(question.resolved),
            estimatedPromptTokens: TenantUsage.estimatedTokens(bytes: bytes),
            needsTools: needsTools, needsJSON: format == "json_object" || format == "json_schema", stream: question.stream,
            bucket: LuaHelpers.bucket(request.sessionID ?? request.tenant ?? "default"),
            providers: providers, models: question.catalogue.models.map(model))
    }

    static func model(_ model: ModelCatalogue.Model) -> RoutingInput.Model {
        RoutingInput.Model(name: model.name, provider: model.provider, model: model.upstreamModel, aliases: model.aliases, tags: model.tags)
    }
}
