import ArgumentParser
import Foundation
import OracleCore

/// `oracle-chat policy ...`: the policy author's toolchain (test, check, eval, replay, contract).
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Test, check, evaluate and replay the Lua policies, and print their contracts.",
        discussion: "Exit status of every subcommand: 0 ok, 1 failures or problems found, 2 usage error.",
        subcommands: [Test.self, Check.self, Eval.self, Replay.self, Contract.self]
    )

    /// POLICIES_DIR and LUA_DIR from the configuration (flags, environment, config file).
    struct Folders {
        var policies: String
        var lua: String
        var loaded: LoadedConfig

        static func load(_ options: ConfigOptions) async throws -> Folders {
            let loaded = try await options.load()
            return Folders(policies: loaded.raw(.policiesDir), lua: loaded.raw(.luaDir), loaded: loaded)
        }
    }

    /// Prints `error: message` on stderr and exits with `code` (2: usage, 1: failure).
    static func fail(_ message: String, code: Int32) -> ExitCode {
        Console.error("error: \(message)")
        return ExitCode(code)
    }

    /// Writes to stdout now (a watch loop or a killed process must not lose buffered output).
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
