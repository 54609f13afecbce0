import OracleCore

/// The providers the gateway can call and the models clients may ask for, by name or alias:
/// the models file (`MODELS_FILE`, read by `Operations.ModelCatalogueFile`), or — without one —
/// the one-entry catalogue of `LLM_PROVIDER` and its `GEMINI_*`/`OPENAI_*` settings
/// (``single(_:)``), whose one model answers to every name, as before catalogues existed.
///
/// ```swift
/// let catalogue = ModelCatalogue.single(.init(name: "gemini", kind: .gemini, baseURL: GeminiProvider.defaultBaseURL),
///                                       model: "gemini-2.5-flash")
/// catalogue.resolve("gpt-4o")?.upstreamModel   // "gemini-2.5-flash": the one model answers to every name
/// ```
public struct ModelCatalogue: Sendable, Equatable {
    /// Where requests go: an upstream API and its key.
    public struct Provider: Sendable, Equatable, CustomStringConvertible {
        public var name: String
        public var kind: LLMConfiguration.ProviderKind
        public var baseURL: String
        /// Never shown: ``description`` says only whether it is set.
        public var apiKey: String?

        public init(name: String, kind: LLMConfiguration.ProviderKind, baseURL: String, apiKey: String? = nil) {
            self.name = name
            self.kind = kind
            self.baseURL = baseURL
            self.apiKey = apiKey.flatMap { $0.isEmpty ? nil : $0 }
        }

        public var description: String {
            "\(name) (\(kind.rawValue), \(baseURL), key \(apiKey == nil ? "unset" : "set"))"
        }
    }

    /// A name clients send in `model`, and what it means upstream.
    public struct Model: Sendable, Equatable {
        /// What `GET /v1/models` lists and replies name.
        public var name: String
        public var provider: String
        /// The model id sent to the provider.
        public var upstreamModel: String
        /// Other names for it; ``wildcard`` makes it answer to every name no model claims.
        public var aliases: [String]
        /// Free labels routing.lua reads (the shipped policy knows `cheap`, `auto`, `fallback`).
        public var tags: [String]

        public init(name: String, provider: String, upstreamModel: String? = nil, aliases: [String] = [], tags: [String] = []) {
            self.name = name
            self.provider = provider
            self.upstreamModel = upstreamModel ?? name
            self.aliases = aliases
            self.tags = tags
        }
    }

    /// The alias that catches every name no model or alias claims.
    public static let wildcard = "*"

    /// In a stable order (by name), as `GET /v1/models` and routing.lua see them.
    public let providers: [Provider]
    public let models: [Model]
    /// The model of requests that name none: every session message, and `/v1` without `model`.
    public let defaultModel: Model
    private let byName: [String: Int]

    /// Checks what ``ModelCatalogueFile`` cannot express wrongly by accident: unique names, known
    /// providers, a default that exists. The message names the entry.
    public init(providers: [Provider], models: [Model], defaultModel: String) throws(ModelCatalogueError) {
        let providers = providers.sorted { $0.name < $1.name }
        let models = models.sorted { $0.name < $1.name }
        guard !models.isEmpty else { throw ModelCatalogueError("`models` lists no model") }
        var providerNames = Set<String>()
        for provider in providers where !providerNames.insert(provider.name).inserted {
            throw ModelCatalogueError("provider \(provider.name) is defined twice")
        }
        var byName: [String: Int] = [:]
        for (index, model) in models.enumerated() {
            guard providerNames.contains(model.provider) else {
                throw ModelCatalogueError("models.\(model.name).provider names '\(model.provider.prefix(64))', which `providers` does not define")
            }
            for name in [model.name] + model.aliases {
                if let other = byName[name] {
                    throw ModelCatalogueError("'\(name)' names both models.\(models[other].name) and models.\(model.name)")
                }
                byName[name] = index
            }
        }
        guard let index = byName[defaultModel], defaultModel != Self.wildcard else {
            throw ModelCatalogueError("default_model '\(defaultModel.prefix(64))' is not a model's name or alias")
        }
        self.providers = providers
        self.models = models
        self.defaultModel = models[index]
        self.byName = byName
    }

    /// The one-provider, one-model catalogue of the single-provider settings: its model answers
    /// to every name (`/v1` clients written for `gpt-4o` keep working against Gemini).
    public static func single(_ provider: Provider, model: String) -> ModelCatalogue {
        // Cannot fail: one provider, one model on it, the default its own name.
        try! ModelCatalogue(providers: [provider],
                            models: [Model(name: model, provider: provider.name, aliases: [wildcard])], defaultModel: model)
    }

    /// The model `requested` names: the default for nil or empty, a name or alias, else the
    /// wildcard model if there is one; nil for an unknown name (`404 model_not_found`).
    public func resolve(_ requested: String?) -> Model? {
        guard let requested, !requested.isEmpty else { return defaultModel }
        return (byName[requested] ?? byName[Self.wildcard]).map { models[$0] }
    }

    public func provider(named name: String) -> Provider? {
        providers.first { $0.name == name }
    }

    /// True when a request can go to one place only: one model. Routing then needs no policy.
    public var hasOneRoute: Bool { models.count == 1 }

    /// Every API key in the catalogue, for redaction.
    public var secrets: [String] { providers.compactMap(\.apiKey) }
}

/// Why a catalogue was refused; names the entry, never a key.
public struct ModelCatalogueError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
