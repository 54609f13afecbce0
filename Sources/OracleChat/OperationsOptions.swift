import ArgumentParser
import Foundation
import Operations
import OracleCore

/// Options of the operator commands that work on the database (`db ...`, `diagnostics`).
///
/// Only the settings these commands use are validated, so an emergency restore is not
/// refused because, say, a rollout percentage is out of range.
struct OperationsOptions: ParsableArguments {
    @OptionGroup var config: ConfigOptions
    @Option(help: "SQLite file path or sqlite:// URL (default: DATABASE_URL).") var database: String?

    struct Context {
        var loaded: LoadedConfig
        var database: DatabaseLocation
        var backups: BackupSettings
        /// The config file in use (`--config`, CONFIG_FILE or the default).
        var configFile: String
    }

    func load(extraSettings: [SettingName] = []) async throws -> Context {
        var flags: [String: String] = [:]
        flags[SettingName.databaseURL.rawValue] = database
        let loaded = try await config.load(flags: flags)
        let problems = ([.databaseURL] + BackupSettings.settings + extraSettings).compactMap { setting in
            SettingsCatalog.spec(setting).validate(loaded.raw(setting))
        }
        guard problems.isEmpty, let location = DatabaseLocation.parse(loaded.raw(.databaseURL)) else {
            for problem in problems { Console.error("error: \(problem)") }
            throw ExitCode(2)
        }
        let configFile = config.configFile ?? ProcessInfo.processInfo.environment["CONFIG_FILE"] ?? ConfigLoader.defaultFile
        return Context(loaded: loaded, database: location, backups: BackupSettings(values: loaded.values), configFile: configFile)
    }
}

extension OperationsOptions.Context {
    /// Exits 1 with a clear message unless the database file exists.
    func requireDatabaseFile() throws {
        guard !database.isInMemory else {
            Console.error("error: DATABASE_URL is :memory:; there is no database file to work on")
            throw ExitCode(1)
        }
        guard FileManager.default.fileExists(atPath: database.path) else {
            Console.error("error: no database file at \(database.path) (set DATABASE_URL or --database)")
            throw ExitCode(1)
        }
    }
}
