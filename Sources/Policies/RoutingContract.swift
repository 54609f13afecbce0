import LuaRuntime
import OracleCore

// routing.lua's contract, input and result side by side: `route(req)` takes a `RoutingInput`
// and returns a `RoutingDecision`.

/// `req` of `route(req)`: the request, the catalogue model it names, every model, and each
/// provider's health now.
public struct RoutingInput: PolicyInput, Equatable {
    /// A catalogue model as the policy sees it.
    public struct Model: Sendable, Equatable {
        public var name: String
        public var provider: String
        /// The id sent upstream.
        public var model: String
        public var aliases: [String]
        public var tags: [String]

        public init(name: String, provider: String, model: String, aliases: [String], tags: [String]) {
            self.name = name
            self.provider = provider
            self.model = model
            self.aliases = aliases
            self.tags = tags
        }

        var luaValue: LuaValue {
            ["name": .string(name), "provider": .string(provider), "model": .string(model),
             "aliases": .array(aliases.map(LuaValue.string)), "tags": .array(tags.map(LuaValue.string))]
        }
    }

    /// A provider's state: its breaker and its requests over `METRICS_WINDOW_SECONDS`.
    public struct Provider: Sendable, Equatable {
        public var type: String
        /// `closed`, `open` or `half_open`.
        public var breaker: String
        /// `/health/ai`'s status: `healthy`, `degraded`, `unavailable`, `offline`.
        public var status: String
        public var requests: Int
        public var failures: Int
        public var latencyMs: Double?

        public init(type: String, breaker: String, status: String, requests: Int, failures: Int, latencyMs: Double?) {
            self.type = type
            self.breaker = breaker
            self.status = status
            self.requests = requests
            self.failures = failures
            self.latencyMs = latencyMs
        }

        var luaValue: LuaValue {
            var table: [String: LuaValue] = [
                "type": .string(type), "breaker": .string(breaker), "status": .string(status),
                "requests": .integer(Int64(requests)), "failures": .integer(Int64(failures)),
                "error_rate": .number(requests == 0 ? 0 : Double(failures) / Double(requests)),
            ]
            if let latencyMs { table["latency_ms"] = .number(latencyMs) }
            return .table(table)
        }
    }

    public var tenant: String
    /// `v1` or `sessions`, as admission.lua's.
    public var route: String
    /// As the client sent it; empty when it named none (sessions, or `/v1` without `model`).
    public var requestedModel: String
    public var resolved: Model
    public var estimatedPromptTokens: Int
    public var needsTools: Bool
    public var needsJSON: Bool
    public var stream: Bool
    /// 1–100 (rollout.lua's bucket), the same for every request of one session (or, without a session, one tenant).
    public var bucket: Int
    public var providers: [String: Provider]
    public var models: [Model]

    public init(tenant: String, route: String, requestedModel: String, resolved: Model, estimatedPromptTokens: Int,
                needsTools: Bool, needsJSON: Bool, stream: Bool, bucket: Int, providers: [String: Provider], models: [Model]) {
        self.tenant = tenant
        self.route = route
        self.requestedModel = requestedModel
        self.resolved = resolved
        self.estimatedPromptTokens = estimatedPromptTokens
        self.needsTools = needsTools
        self.needsJSON = needsJSON
        self.stream = stream
        self.bucket = bucket
        self.providers = providers
        self.models = models
    }

    public static let resolvedProviderField = PolicyInputField<Self>("resolved.provider", "string", "its provider") { $0.resolved.provider }
    public static let resolvedModelField = PolicyInputField<Self>("resolved.model", "string", "the model id sent to that provider") { $0.resolved.model }

    public static let fields: [PolicyInputField<Self>] = [
        .init("tenant", "string", "the caller's tenant") { $0.tenant },
        .init("route", PolicyField.oneOf(["v1", "sessions"]), "`v1`: `/v1/chat/completions`; `sessions`: a message to a session") { $0.route },
        .init("model", "string", "the `model` the client sent; empty when it sent none (sessions always)") { $0.requestedModel },
        .init("resolved.name", "string", "the catalogue model that name (or alias) resolved to; the default model when none was sent") {
            $0.resolved.name
        },
        resolvedProviderField,
        resolvedModelField,
        .init("resolved.tags", "list of string", "its `tags` from the models file") { $0.resolved.tags },
        .init("resolved.aliases", "list of string", "its `aliases`") { $0.resolved.aliases },
        .init("estimated_prompt_tokens", "int >= 0", "the conversation's bytes / 4, as admission.lua's") { $0.estimatedPromptTokens },
        .init("needs_tools", "bool", "the request offers `tools` or carries tool calls") { $0.needsTools },
        .init("needs_json", "bool", "the request asks for `response_format` `json_object` or `json_schema`") { $0.needsJSON },
        .init("stream", "bool", "the client streams the reply") { $0.stream },
        .init("bucket", "int 1–100", "sticky, as rollout.lua's: the same for every request of one session (else of one tenant), e.g. for a canary share") { $0.bucket },
        .init("providers", "table: name → provider", "every catalogue provider's state now (see below)") {
            LuaValue.table($0.providers.mapValues(\.luaValue))
        },
        .init("models", "list of model", "every catalogue model, by name, each `{name, provider, model, aliases, tags}`") {
            LuaValue.array($0.models.map(\.luaValue))
        },
    ]

    public static let note: String? = """
        Each `providers[name]` is `{type, breaker, status, requests, failures, error_rate, latency_ms}`: \
        `type` `gemini`, `openai` or `offline`; `breaker` `closed`, `open` or `half_open`; `status` as \
        `/health/ai` shows it; `requests`, `failures` and `error_rate` over `METRICS_WINDOW_SECONDS`; \
        `latency_ms` the mean of that window's successful requests (absent without one). \
        The host asks `route` only when the catalogue has more than one model: with one, the one \
        model on its provider is the only route. It drops targets naming an unknown provider, \
        repeats, targets beyond the first eight, and targets on another provider that cannot honour \
        the request's fields; when none is left it uses the requested model on its own provider.
        """
}

/// The result of `route(req)`: where to send the request, in order.
public struct RoutingDecision: Sendable, Equatable {
    public struct Target: Sendable, Equatable {
        public var provider: String
        public var model: String
    }

    public static let maxTargets = 8

    public var targets: [Target]
    public var reason: String

    public static let fields = [
        PolicyField("targets", "list of `{provider, model}`, at most \(maxTargets)",
                    "tried in order; the next gets the request when one fails in a way another provider might not (breaker open, 5xx, timeout, 429, 401/403/404), before a stream's first piece. Empty: the requested model on its own provider"),
        PolicyField("targets[i].provider", "string", "a provider of the models file"),
        PolicyField("targets[i].model", "string", "the model id to send it (a catalogue model's `model`, or any id that provider serves)"),
        PolicyField("reason", "string", "for the decision log"),
    ]

    public init(targets: [Target], reason: String) {
        self.targets = targets
        self.reason = reason
    }

    /// A model id safe to put in an upstream's URL path or JSON as it is: a policy may pass on
    /// what a client sent, and must not steer a request (with the server's key) elsewhere.
    static func isModelID(_ model: String) -> Bool {
        !model.isEmpty && model.utf8.count <= 256 && !model.contains("..")
            && model.utf8.allSatisfy { (0x21...0x7e).contains($0) && ![0x22, 0x5c, 0x3f, 0x23, 0x25].contains($0) }
    }

    init(_ value: LuaValue) throws(PolicyContractError) {
        let reader = try ResultReader(value)
        let targets = try reader.tables("targets")
        guard targets.count <= Self.maxTargets else {
            throw PolicyContractError(field: "targets", rule: "must hold at most \(Self.maxTargets) targets")
        }
        self.targets = try targets.map { (target) throws(PolicyContractError) in
            let provider = try target.string("provider"), model = try target.string("model")
            guard !provider.isEmpty else { throw PolicyContractError(field: "\(target.path).provider", rule: "must not be empty") }
            guard Self.isModelID(model) else {
                throw PolicyContractError(field: "\(target.path).model",
                                          rule: "must be 1–256 printable ASCII characters without spaces, quotes, backslash, '?', '#', '%' or '..'")
            }
            return Target(provider: provider, model: model)
        }
        reason = try reader.string("reason")
    }
}
