import ArgumentParser
import Foundation
import Storage

extension DBCommand {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check integrity, schema version, row counts and sizes of the database.",
            discussion: "Runs PRAGMA integrity_check (reads every page). Exit status: 0 ok, 1 corrupted or unreadable.")

        @OptionGroup var options: OperationsOptions
        @Flag(help: "Run the cheaper PRAGMA quick_check instead.") var quick = false

        func run() async throws {
            let context = try await options.load()
            try context.requireDatabaseFile()
            let report: DatabaseReport
            do {
                report = try DatabaseInspector.report(forFileAt: context.database.path, quick: quick)
            } catch {
                Console.error("error: \(error)")
                throw ExitCode(1)
            }
            print(report.text)
            guard report.integrity.ok else {
                Console.error("error: \(context.database.path) is corrupted; restore a backup: oracle-chat db restore")
                throw ExitCode(1)
            }
        }
    }
}
