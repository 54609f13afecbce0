import ArgumentParser
import Foundation
import OracleCore
import Storage

extension DBCommand {
    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an online, verified copy of the database (safe while the server runs).",
            discussion: """
                Writes <dir>/oracle_sessions_YYYYMMDD_HHMMSS.db (UTC) with SQLite's backup API, checks it with \
                PRAGMA integrity_check under a temporary name, then gives it its real name. \
                Exit status: 0 written and verified, 1 failed (nothing is left behind).
                """)

        @OptionGroup var options: OperationsOptions
        @Option(help: "Folder for the backup (default: BACKUP_DIR).") var dir: String?
        @Option(help: "Afterwards keep only the newest N oracle_sessions_YYYYMMDD_HHMMSS.db backups in the folder.")
        var keep: Int?

        func validate() throws {
            if let keep, keep < 1 { throw ValidationError("--keep must be at least 1 (got \(keep))") }
        }

        func run() async throws {
            let context = try await options.load()
            try context.requireDatabaseFile()
            let directory = dir ?? context.backups.directory
            let progress = TerminalProgress("backup")
            do {
                let store = try SQLiteStore(location: context.database)
                defer { try? store.close() }
                let backup = try await store.backup(into: directory, keep: keep, progress: progress.pages)
                progress.finish()
                print("backup ok: \(backup.path) (\(backup.bytes) bytes, integrity_check ok)")
                for path in backup.pruned { print("removed old backup: \(path)") }
            } catch {
                progress.finish()
                Console.error("error: backup failed: \(error)")
                throw ExitCode(1)
            }
        }
    }
}
