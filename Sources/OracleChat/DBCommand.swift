import ArgumentParser

/// `oracle-chat db ...`: the seeds' database runbooks as safe commands.
struct DBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Back up, restore, check and maintain the SQLite database.",
        subcommands: [Backup.self, Restore.self, Check.self, Maintain.self]
    )
}
