import Foundation
import LLM
import OracleCore

/// The models file (`MODELS_FILE`, `config/models.yaml`): providers and the models clients may
/// ask for, read against the environment (keys come from `api_key_env`, so the file can be
/// committed). Without the file the single-provider settings are the catalogue.
///
/// ```yaml
/// default_model: gemini-flash
/// providers:
///   gemini: { type: gemini, api_key_env: GEMINI_API_KEY }
///   openai: { type: openai, base_url: "https://api.openai.com/v1", api_key_env: OPENAI_API_KEY }
///   local:  { type: openai, base_url: "http://127.0.0.1:11434/v1" }
/// models:
///   gemini-flash: { provider: gemini, model: gemini-2.5-flash, aliases: [fast], tags: [fallback] }
///   gpt-4o:       { provider: openai, tags: [auto] }
///   gpt-4o-mini:  { provider: openai, tags: [cheap] }
/// ```
///
/// Refused, with the entry named: unknown keys, a provider whose `api_key_env` is not set, a
/// model on an undefined provider, a name or alias claimed twice, a missing `default_model`
/// with more than one model. Bounds: 64 KiB, 50 providers, 500 models, 20 aliases and 20 tags
/// per model.
public enum ModelCatalogueFile {
    static let maxFileBytes = 64 << 10
    static let maxProviders = 50
    static let maxModels = 500
    static let maxLabels = 20

    /// A catalogue and the text it was read from (the watcher's starting point).
    public struct Loaded: Sendable {
        public var catalogue: ModelCatalogue
        public var text: String
    }

    /// The catalogue `path` holds; nil when the file does not exist.
    public static func load(path: String, environment: [String: String]) throws(ConfigFileError) -> Loaded? {
        guard let text = try YAMLConfigFile.read(path, maxBytes: maxFileBytes) else { return nil }
        return Loaded(catalogue: try parse(text, path: path, environment: environment), text: text)
    }

    public static func parse(_ text: String, path: String, environment: [String: String]) throws(ConfigFileError) -> ModelCatalogue {
        guard let root = try YAMLConfigFile.parse(text, path: path) as? [String: Any] else {
            throw ConfigFileError(path, "must be a mapping with `providers` and `models`")
        }
        try YAMLConfigFile.onlyKeys(root, ["default_model", "providers", "models"], at: "", path)
        guard let providerEntries = root["providers"] as? [String: Any], !providerEntries.isEmpty else {
            throw ConfigFileError(path, "`providers` must be a non-empty mapping of provider name → {type, …}")
        }
        guard let modelEntries = root["models"] as? [String: Any], !modelEntries.isEmpty else {
            throw ConfigFileError(path, "`models` must be a non-empty mapping of model name → {provider, …}")
        }
        guard providerEntries.count <= maxProviders else { throw ConfigFileError(path, "defines more than \(maxProviders) providers") }
        guard modelEntries.count <= maxModels else { throw ConfigFileError(path, "defines more than \(maxModels) models") }
        var providers: [ModelCatalogue.Provider] = []
        for name in providerEntries.keys.sorted() {
            try YAMLConfigFile.checkName(name, what: "provider", path)
            guard let fields = providerEntries[name] as? [String: Any] else {
                throw ConfigFileError(path, "providers.\(name) must be a mapping with `type`")
            }
            providers.append(try provider(name, fields, environment: environment, path))
        }
        var models: [ModelCatalogue.Model] = []
        for name in modelEntries.keys.sorted() {
            try checkModelName(name, at: "models.\(name)", path)
            guard let fields = modelEntries[name] as? [String: Any] else {
                throw ConfigFileError(path, "models.\(name) must be a mapping with `provider`")
            }
            models.append(try model(name, fields, path))
        }
        let defaultModel: String
        switch root["default_model"] {
        case let name as String: defaultModel = name
        case nil where models.count == 1: defaultModel = models[0].name
        case nil: throw ConfigFileError(path, "`default_model` is required with more than one model")
        default: throw ConfigFileError(path, "`default_model` must be a model's name or alias")
        }
        do {
            return try ModelCatalogue(providers: providers, models: models, defaultModel: defaultModel)
        } catch {
            throw ConfigFileError(path, error.description)
        }
    }

    static func provider(_ name: String, _ fields: [String: Any], environment: [String: String],
                         _ path: String) throws(ConfigFileError) -> ModelCatalogue.Provider {
        let at = "providers.\(name)"
        let kind: LLMConfiguration.ProviderKind
        switch fields["type"] as? String {
        case "gemini": kind = .gemini
        case "openai": kind = .openai
        case "offline": kind = .offline
        default: throw ConfigFileError(path, "\(at).type must be gemini, openai or offline")
        }
        guard kind != .offline else {
            try YAMLConfigFile.onlyKeys(fields, ["type"], at: at, path)
            return .init(name: name, kind: .offline, baseURL: "")
        }
        try YAMLConfigFile.onlyKeys(fields, ["type", "base_url", "api_key", "api_key_env"], at: at, path)
        let baseURL: String
        switch fields["base_url"] {
        case nil where kind == .gemini: baseURL = GeminiProvider.defaultBaseURL
        case nil: throw ConfigFileError(path, "\(at).base_url is required for an OpenAI-compatible provider")
        case let url as String:
            try YAMLConfigFile.checkURL(url, at: "\(at).base_url", path)
            baseURL = url
        default: throw ConfigFileError(path, "\(at).base_url must be an http(s) URL")
        }
        var apiKey: String?
        if fields["api_key"] != nil || fields["api_key_env"] != nil {
            switch try YAMLConfigFile.secret(fields, "api_key", at: at, environment: environment, path) {
            case .value(let key): apiKey = key
            // A key the file asks for and the environment lacks is a mistake to hear about now,
            // not a provider that answers 401 to every request later.
            case .unconfigured(let why): throw ConfigFileError(path, "\(at).api_key_env: \(why)")
            }
        } else if kind == .gemini {
            throw ConfigFileError(path, "\(at) needs `api_key_env` (or `api_key`): Gemini requires a key")
        }
        guard apiKey.map({ $0.utf8.count <= 4096 && !$0.contains(where: \.isNewline) }) ?? true else {
            throw ConfigFileError(path, "\(at).api_key must be one line of at most 4096 bytes")
        }
        return .init(name: name, kind: kind, baseURL: baseURL, apiKey: apiKey)
    }

    static func model(_ name: String, _ fields: [String: Any], _ path: String) throws(ConfigFileError) -> ModelCatalogue.Model {
        let at = "models.\(name)"
        try YAMLConfigFile.onlyKeys(fields, ["provider", "model", "aliases", "tags"], at: at, path)
        guard let provider = fields["provider"] as? String else { throw ConfigFileError(path, "\(at).provider must name a provider") }
        var upstream: String?
        if let value = fields["model"] {
            guard let text = value as? String else { throw ConfigFileError(path, "\(at).model must be a string") }
            try checkModelName(text, at: "\(at).model", path)
            upstream = text
        }
        let aliases = try labels(fields["aliases"], at: "\(at).aliases", path)
        for alias in aliases where alias != ModelCatalogue.wildcard { try checkModelName(alias, at: "\(at).aliases", path) }
        let tags = try labels(fields["tags"], at: "\(at).tags", path)
        for tag in tags { try YAMLConfigFile.checkName(tag, what: "\(at).tags entry", path) }
        return .init(name: name, provider: provider, upstreamModel: upstream, aliases: aliases, tags: tags)
    }

    static func labels(_ value: Any?, at: String, _ path: String) throws(ConfigFileError) -> [String] {
        guard let value else { return [] }
        guard let list = value as? [Any], let names = list as? [String] else {
            throw ConfigFileError(path, "\(at) must be a list of strings")
        }
        guard names.count <= maxLabels else { throw ConfigFileError(path, "\(at) has more than \(maxLabels) entries") }
        return names
    }

    /// Model ids are freer than other names (`meta-llama/Llama-3-8B`, `models/gemini-2.5-flash`,
    /// `llama3.2:1b`) but stay printable and short: they travel in URLs and JSON.
    static func checkModelName(_ name: String, at: String, _ path: String) throws(ConfigFileError) {
        let allowed = name.utf8.allSatisfy { (0x21...0x7e).contains($0) && $0 != 0x22 && $0 != 0x5c && $0 != 0x3f && $0 != 0x23 }
        guard !name.isEmpty, name.utf8.count <= 128, allowed, name != ModelCatalogue.wildcard else {
            throw ConfigFileError(path, "\(at): '\(name.prefix(64))' must be 1–128 printable ASCII characters without spaces, quotes, backslash, '?' or '#'")
        }
    }
}

extension OracleConfig {
    /// The model catalogue this configuration names (`MODELS_FILE`); nil without the file.
    public func loadModelCatalogue(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigFileError) -> ModelCatalogueFile.Loaded? {
        try ModelCatalogueFile.load(path: modelsFile, environment: environment)
    }
}
