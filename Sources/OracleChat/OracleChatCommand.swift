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

    /// glibc gives each thread that meets contention an arena of its own, up to 8 per core, and
    /// keeps their free pages: on this server (event loops, the curl, SQLite and policy threads)
    /// that was 6–11 MiB of resident memory after a benchmark, for no CPU gained (bench/peers.py,
    /// MALLOC_ARENA_MAX unset against 2: 74–77 MiB against 66 MiB, CPU per request the same). Two
    /// arenas, unless the operator set MALLOC_ARENA_MAX, which glibc has already applied.
    static func limitMallocArenas() {
        guard ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil,
              // <malloc.h> is not in Swift's Glibc module: mallopt found by name, M_ARENA_MAX = -8.
              let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        typealias MallocOption = @convention(c) (Int32, Int32) -> Int32
        _ = unsafeBitCast(symbol, to: MallocOption.self)(-8, 2)
    }

    /// Like ArgumentParser's, except that a usage error (unknown flag, missing value) exits
    /// with 2, the status every oracle-chat command documents for usage errors, not 64.
    static func main() async {
        limitMallocArenas()
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
