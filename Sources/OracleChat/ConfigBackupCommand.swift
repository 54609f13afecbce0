import ArgumentParser
import Foundation
import Operations
import OracleCore
import Storage

/// `oracle-chat config backup`: the seeds' Configuration Backup.
struct ConfigBackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Snapshot the config file, policies/ and lua/ into <dir>/config_YYYYMMDD_HHMMSS/ with a manifest.",
        discussion: "The snapshot holds the config file as is, secrets included: it is readable by its owner only.")

    @OptionGroup var options: OperationsOptions
    @Option(help: "Backups folder (default: BACKUP_DIR).") var dir: String?
    @Option(help: "Afterwards keep only the newest N config_YYYYMMDD_HHMMSS snapshots.") var keep: Int?

    func validate() throws {
        if let keep, keep < 1 { throw ValidationError("--keep must be at least 1 (got \(keep))") }
    }

    func run() async throws {
        let context = try await options.load(extraSettings: [.policiesDir, .luaDir])
        let directory = dir ?? context.backups.directory
        do {
            let saved = try ConfigSnapshot.create(from: context.configSources, in: directory)
            print("config snapshot: \(saved.path) (\(saved.manifest.files.count) files)")
            if saved.manifest.configFile == nil { print("note: no config file at \(context.configFile); defaults and environment only") }
            for note in saved.manifest.notIncluded { print("not included: \(note)") }
            if let keep {
                for path in try ConfigSnapshot.regular.prune(in: directory, keep: keep) { print("removed old snapshot: \(path)") }
            }
        } catch {
            Console.error("error: \(error)")
            throw ExitCode(1)
        }
    }
}

/// `oracle-chat config rollback [NAME]`: the seeds' `config_rollback.sh`.
struct ConfigRollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Restore the config file, policies/ and lua/ from a snapshot (the newest when NAME is omitted).",
        discussion: """
            Verifies the snapshot's SHA-256 hashes, saves the current files as config_emergency_YYYYMMDD_HHMMSS, \
            then puts the snapshot's files back together. Restart the server (or let the policy watcher reload) \
            for configuration changes to apply. Exit status: 0 restored, 1 refused or failed.
            """)

    @OptionGroup var options: OperationsOptions
    @Argument(help: "Snapshot: config_YYYYMMDD_HHMMSS, YYYYMMDD_HHMMSS or a path; omitted: the newest.") var name: String?
    @Option(help: "Backups folder (default: BACKUP_DIR).") var dir: String?

    func run() async throws {
        let context = try await options.load(extraSettings: [.policiesDir, .luaDir])
        let directory = dir ?? context.backups.directory
        do {
            let rollback = try ConfigSnapshot.rollback(to: name, sources: context.configSources, in: directory)
            print("previous configuration saved in \(rollback.emergencySnapshot)")
            print("rolled back to \(rollback.snapshot) (taken \(rollback.manifest.createdAt.ISO8601Format()), oracle-chat \(rollback.manifest.oracleChatVersion))")
            for path in rollback.restored { print("  restored \(path)") }
            print("check it: oracle-chat config check; then restart the server (e.g. systemctl restart oracle-chat)")
        } catch {
            Console.error("error: \(error)")
            throw ExitCode(1)
        }
    }
}

extension OperationsOptions.Context {
    var configSources: ConfigSources {
        ConfigSources(configFile: configFile, policiesDirectory: loaded.raw(.policiesDir), luaDirectory: loaded.raw(.luaDir))
    }
}
