import Foundation
import OracleCore

/// Builds a validated configuration for tests from setting names and values, on top of
/// the built-in defaults (no config file, no process environment).
public enum TestConfig {
    public static func make(_ values: [String: String] = [:], in directory: TemporaryDirectory) async throws -> OracleConfig {
        let emptyFile = directory.file("empty.env")
        if !FileManager.default.fileExists(atPath: emptyFile) { try directory.write("empty.env", "") }
        var values = values
        values["DATABASE_URL"] = values["DATABASE_URL"] ?? directory.file("oracle_sessions.db")
        // A policy call's wall-clock limit (50 ms by default) is reached by a descheduled thread
        // on a busy machine; tests rely on the instruction budget, and set this when they test it.
        values["POLICY_TIMEOUT_MS"] = values["POLICY_TIMEOUT_MS"] ?? "30000"
        let loaded = try await ConfigLoader.load(environment: values, configFile: emptyFile)
        return try loaded.validated()
    }
}
