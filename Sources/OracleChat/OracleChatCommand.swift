import ArgumentParser
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
}
