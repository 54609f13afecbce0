import ArgumentParser
import Foundation
import Operations
import OracleCore
import Storage

/// `oracle-chat diagnostics`: the seeds' `collect_diagnostics.sh`, without secrets.
struct DiagnosticsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnostics",
        abstract: "Collect health, metrics, redacted configuration, database check, versions and operational history into one archive.",
        discussion: """
            Works whether or not the server is up. Every secret setting's value is redacted from every file; \
            summary.txt lists what could not be collected and why. Exit status: 0 written, 1 could not write.
            """)

    @OptionGroup var options: OperationsOptions
    @Option(help: "Archive to write (.tar.gz; any other name gives a folder). Default: oracle-chat-diagnostics-YYYYMMDD_HHMMSS.tar.gz")
    var out: String?

    func run() async throws {
        let context = try await options.load()
        let output = out ?? "oracle-chat-diagnostics-\(BackupName.stamp(Date())).tar.gz"
        let probe = HealthProbe.fetcher(host: context.loaded.raw(.host), port: context.loaded.raw(.port))
        var collector = DiagnosticsCollector(values: context.loaded.values, database: context.database, fetchHealth: nil)
        switch probe {
        case .success(let fetch): collector.fetchHealth = fetch
        case .failure(let failure): collector.healthUnavailableReason = failure.reason
        }
        let progress = TerminalProgress("diagnostics")
        do {
            let parts = await progress.whileRunning { await collector.collect() }
            let result = try await DiagnosticsArchive.write(parts, to: output)
            progress.finish()
            print("diagnostics: \(result.path)")
            if let note = result.note { print("note: \(note)") }
            for part in parts where part.unavailable != nil { print("  unavailable: \(part.file) (see summary.txt)") }
        } catch {
            progress.finish()
            Console.error("error: cannot write diagnostics to \(output): \(error)")
            throw ExitCode(1)
        }
    }
}
