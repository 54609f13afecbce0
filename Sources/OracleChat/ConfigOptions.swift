import ArgumentParser
import Foundation
import OracleCore

/// Options every command that reads configuration shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "Config file (KEY=VALUE lines). Default: $CONFIG_FILE or config/oracle-chat.env.")
    var configFile: String?

    /// Loads configuration with `flags` (setting name → value) layered on top.
    func load(flags: [String: String] = [:]) async throws -> LoadedConfig {
        do {
            return try await ConfigLoader.load(
                environment: ProcessInfo.processInfo.environment, flags: flags, configFile: configFile)
        } catch let error as ConfigFileError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

enum Console {
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
