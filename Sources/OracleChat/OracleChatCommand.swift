import ArgumentParser
import Foundation
import OracleCore

/// `oracle-chat`: the server and its operator tools.
@main
struct OracleChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oracle-chat",
        abstract: "Self-hosted backend for LLM chat sessions, steered by hot-reloadable Lua policies.",
        version: OracleVersion.current,
        subcommands: [ServeCommand.self, ConfigCommand.self, DBCommand.self, DiagnosticsCommand.self, PolicyCommand.self],
        defaultSubcommand: nil
    )

    /// Like ArgumentParser's, except that a usage error (unknown flag, missing value) exits
    /// with 2, the status every oracle-chat command documents for usage errors, not 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
