import ArgumentParser
import Foundation
import Operations
import Storage

extension DBCommand {
    struct Maintain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete old operational records, then VACUUM and ANALYZE.",
            discussion: """
                Operational tables (decision log, resolved incidents' timeline, sent notifications, override \
                audit) lose rows older than --older-than; tables that do not exist yet are skipped. Chat history \
                is never touched unless --include-messages is given, and then only whole sessions not updated in \
                the period. VACUUM holds the write lock while it runs: on a large database, run this in a quiet \
                hour or with the server stopped.
                """)

        @OptionGroup var options: OperationsOptions
        @Option(name: .customLong("older-than"), help: "Retention period: 30d, 12h, 90m or 3600s.") var olderThan = "30d"
        @Flag(name: .customLong("include-messages"), help: "Also delete chat sessions (with their messages) not updated in the period.")
        var includeMessages = false
        @Flag(name: .customLong("no-vacuum"), help: "Skip VACUUM (ANALYZE still runs).") var noVacuum = false

        func validate() throws {
            do {
                _ = try RetentionPeriod.parse(olderThan)
            } catch {
                throw ValidationError("--older-than: \(error)")
            }
        }

        func run() async throws {
            let context = try await options.load()
            try context.requireDatabaseFile()
            let period = try RetentionPeriod.parse(olderThan)
            let maintenance = DatabaseMaintenance(olderThan: period.duration, includeChatHistory: includeMessages, vacuum: !noVacuum)
            let progress = TerminalProgress("maintain")
            do {
                let store = try SQLiteStore(location: context.database)
                defer { try? store.close() }
                let report = try await progress.whileRunning { try await maintenance.run(on: store) }
                progress.finish()
                print("retention: older than \(period) (before \(report.cutoff.ISO8601Format()))")
                for table in report.tables {
                    print("  \(table.table): " + (table.skipped.map { "skipped (\($0))" } ?? "\(table.deleted) rows deleted"))
                }
                if !includeMessages { print("  sessions, messages: kept (chat history needs --include-messages)") }
                print(report.vacuumed
                      ? "vacuum: \(report.bytesReclaimed) bytes reclaimed (\(report.bytesBefore) → \(report.bytesAfter))"
                      : "vacuum: skipped")
                print("analyze: done")
            } catch {
                progress.finish()
                Console.error("error: maintenance failed: \(error)")
                throw ExitCode(1)
            }
        }
    }
}
