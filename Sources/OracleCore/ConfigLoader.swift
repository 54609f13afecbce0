import Configuration
import Foundation
import SystemPackage

/// Reads configuration in layers — `serve` flags, then the process environment, then the
/// config file (`config/oracle-chat.env` unless `CONFIG_FILE` or `--config` names another),
/// then the built-in defaults — and validates every value against ``SettingsCatalog``.
///
/// ```swift
/// let loaded = try await ConfigLoader.load(environment: ProcessInfo.processInfo.environment)
/// if !loaded.problems.isEmpty { loaded.problems.forEach { print($0) } }
/// let config = try loaded.validated()
/// ```
public enum ConfigLoader {
    public static let defaultFile = "config/oracle-chat.env"

    /// Loads and validates. Throws only when an explicitly named config file is missing or malformed;
    /// invalid values are reported in ``LoadedConfig/problems``.
    public static func load(
        environment: [String: String],
        flags: [String: String] = [:],
        configFile: String? = nil
    ) async throws -> LoadedConfig {
        let explicitFile = configFile ?? environment["CONFIG_FILE"]
        let filePath = explicitFile ?? defaultFile
        let fileProvider: EnvironmentVariablesProvider
        do {
            fileProvider = try await EnvironmentVariablesProvider(
                environmentFilePath: FilePath(filePath),
                allowMissing: explicitFile == nil,
                secretsSpecifier: .specific(Set(SettingsCatalog.secretNames))
            )
        } catch {
            throw ConfigFileError(path: filePath, reason: "\(error)")
        }
        let layers: [(Origin, ConfigReader)] = [
            (.flag, ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: flags))),
            (.environment, ConfigReader(provider: EnvironmentVariablesProvider(
                environmentVariables: environment,
                secretsSpecifier: .specific(Set(SettingsCatalog.secretNames))))),
            (.file(filePath), ConfigReader(provider: fileProvider)),
        ]
        var values: [String: ResolvedValue] = [:]
        for spec in SettingsCatalog.all {
            let key = ConfigKey(spec.name)
            let found = layers.lazy.compactMap { origin, reader in
                reader.string(forKey: key, isSecret: spec.isSecret).map { ResolvedValue(raw: $0, origin: origin) }
            }.first
            values[spec.name] = found ?? ResolvedValue(raw: spec.defaultValue, origin: .default)
        }
        let warnings = (try? unknownNames(inFile: filePath)) ?? []
        return LoadedConfig(values: values, warnings: warnings.map {
            "\($0) in \(filePath) is not an Oracle Chat setting and is ignored"
        })
    }

    /// Names set in the file that no setting reads — usually a typo.
    static func unknownNames(inFile path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), let eq = trimmed.firstIndex(of: "=") else { return nil }
            let name = trimmed[..<eq].trimmingCharacters(in: .whitespaces)
            return SettingsCatalog.spec(named: name) == nil ? name : nil
        }
    }
}

/// Where a value came from, shown by `config check`.
public enum Origin: Sendable, Equatable, CustomStringConvertible {
    case flag, environment, file(String), `default`, override

    public var description: String {
        switch self {
        case .flag: "flag"
        case .environment: "environment"
        case .file(let path): path
        case .default: "default"
        case .override: "runtime override"
        }
    }
}

public struct ResolvedValue: Sendable, Equatable {
    public var raw: String
    public var origin: Origin

    public init(raw: String, origin: Origin) {
        self.raw = raw
        self.origin = origin
    }
}

public struct ConfigFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot read config file \(path): \(reason)" }
}

/// Raw values with their origins, before they become an ``OracleConfig``.
public struct LoadedConfig: Sendable {
    public var values: [String: ResolvedValue]
    /// Non-fatal remarks, e.g. unknown names in the config file.
    public var warnings: [String]

    public init(values: [String: ResolvedValue], warnings: [String] = []) {
        self.values = values
        self.warnings = warnings
    }

    /// The value as loaded, or the setting's default when nothing set it.
    public func raw(_ setting: SettingName) -> String {
        values[setting.rawValue]?.raw ?? SettingsCatalog.spec(setting).defaultValue
    }

    /// The value parsed. One that does not parse — never the case once validated — reads as the
    /// setting's default, so no caller writes a default of its own.
    public func value<T>(_ setting: SettingName, _ parse: (String) -> T?) -> T {
        guard let value = parse(raw(setting)) else {
            guard let fallback = parse(SettingsCatalog.spec(setting).defaultValue) else {
                preconditionFailure("the default of \(setting.rawValue) does not parse")
            }
            return fallback
        }
        return value
    }

    // Surrounding spaces are ignored, as the rules ignore them.
    public func integer(_ setting: SettingName) -> Int { value(setting) { Int($0.trimmingCharacters(in: .whitespaces)) } }
    public func number(_ setting: SettingName) -> Double { value(setting) { Double($0.trimmingCharacters(in: .whitespaces)) } }
    public func flag(_ setting: SettingName) -> Bool { value(setting) { SettingRule.parseBool($0.trimmingCharacters(in: .whitespaces)) } }

    /// Every rule violation, each naming the variable and the rule.
    public var problems: [String] {
        var problems = SettingsCatalog.all.compactMap { spec in spec.validate(raw(spec.setting)) }
        let provider = raw(.llmProvider).lowercased()
        if provider == "gemini" && raw(.geminiAPIKey).isEmpty {
            problems.append("GEMINI_API_KEY must be set when LLM_PROVIDER=gemini")
        }
        // Each value alone may be fine while the two together give one name or key twice.
        let adminKeys = raw(.adminAPIKeys), legacyKey = raw(.adminAPIKey).trimmingCharacters(in: .whitespaces)
        if SettingsCatalog.spec(.adminAPIKeys).validate(adminKeys) == nil {
            do throws(AdminKeys.ParseError) {
                _ = try AdminKeys.parse(adminKeys, legacyKey: legacyKey)
            } catch {
                problems.append("ADMIN_API_KEYS must \(error.description)")
            }
        }
        return problems
    }

    /// The typed configuration, or the list of problems.
    public func validated() throws(ConfigProblems) -> OracleConfig {
        let problems = self.problems
        guard problems.isEmpty else { throw ConfigProblems(problems: problems) }
        return OracleConfig(self)
    }
}

public struct ConfigProblems: Error, CustomStringConvertible {
    public let problems: [String]
    public var description: String { problems.joined(separator: "\n") }
}
