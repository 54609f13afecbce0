import ArgumentParser
import Foundation
import OracleCore
import Storage

extension DBCommand {
    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the database with a verified backup, keeping an emergency copy of the current one.",
            discussion: """
                FILE is a backup path, a timestamp (20250101_120000, as the seed scripts pass it) or omitted \
                for the newest backup in --dir. Refuses a file that is not a regular file, fails PRAGMA integrity_check, or does not have \
                exactly this build's schema (unknown or missing migrations; extra or altered tables, indexes, \
                triggers or views), and refuses while a server holds the database lock (--force overrides). \
                Removes temporary files left by restores that were killed part-way. \
                Exit status: 0 restored, 1 refused or failed (the current database is unchanged or saved).
                """)

        @OptionGroup var options: OperationsOptions
        @Argument(help: "Backup to restore (path, YYYYMMDD_HHMMSS, or omitted for the newest).") var file: String?
        @Option(help: "Backups folder: where the newest backup is looked up and the emergency copy goes (default: BACKUP_DIR).")
        var dir: String?
        @Flag(help: "Restore even though a server holds the database lock.") var force = false

        func run() async throws {
            let context = try await options.load()
            let directory = dir ?? context.backups.directory
            guard !context.database.isInMemory else {
                Console.error("error: DATABASE_URL is :memory:; there is no database file to restore into")
                throw ExitCode(1)
            }
            let source = try resolve(file, in: directory)
            print("restoring \(source) into \(context.database.path)")
            let progress = TerminalProgress("restore")
            do {
                let outcome = try await DatabaseRestore(
                    source: source, target: context.database, backupsDirectory: directory, force: force
                ).run(progress: progress.pages)
                progress.finish()
                report(outcome)
            } catch DatabaseOperationError.inUse(let database, let lockPath, let pid) {
                progress.finish()
                let error = DatabaseOperationError.inUse(database: database, lockPath: lockPath, pid: pid)
                Console.error("error: refusing to restore: \(error)")
                Console.error("stop the server first: " + (pid.map { "kill -TERM \($0)" } ?? "send it SIGTERM")
                              + " or `systemctl stop oracle-chat`, wait until it has exited, then retry"
                              + " (--force restores anyway, under a running server)")
                throw ExitCode(1)
            } catch {
                progress.finish()
                Console.error("error: \(error)")
                throw ExitCode(1)
            }
        }

        func resolve(_ file: String?, in directory: String) throws -> String {
            guard let file else {
                guard let newest = BackupName.database.entries(in: directory).first else {
                    Console.error("error: no backup (oracle_sessions_YYYYMMDD_HHMMSS.db) in \(directory)")
                    throw ExitCode(1)
                }
                return newest.path
            }
            let stamped = (directory as NSString).appendingPathComponent("oracle_sessions_\(file).db")
            if !FileManager.default.fileExists(atPath: file), FileManager.default.fileExists(atPath: stamped) { return stamped }
            return file
        }

        func report(_ outcome: DatabaseRestore.Outcome) {
            if let copy = outcome.emergencyCopy {
                print(outcome.emergencyCopyVerified
                      ? "emergency copy of the previous database: \(copy) (verified)"
                      : "emergency copy of the previous database: \(copy) (byte copy: the previous database failed its own check)")
            }
            for file in outcome.removedLeftovers {
                print("removed \(file): left by a restore that was interrupted (its process is gone)")
            }
            switch outcome.priorLock {
            case .held(let pid):
                Console.error("warning: --force: server PID \(pid.map(String.init) ?? "?") still has the old database open; restart it now")
            case .stale(let pid):
                print("note: removed a stale lock file of PID \(pid.map(String.init) ?? "?") (a server that did not exit cleanly)")
            case .free:
                break
            }
            print("integrity_check ok")
            print("Database restored with \(outcome.sessions) sessions and \(outcome.messages) messages")
            print("start the server (e.g. systemctl start oracle-chat) and check: curl -s http://HOST:PORT/health")
        }
    }
}
