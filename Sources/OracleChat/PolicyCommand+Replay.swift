import ArgumentParser
import Foundation
import LuaRuntime
import OracleCore
import Policies
import Storage

extension PolicyCommand {
    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay recorded decisions against a candidate policy file and show what would change.",
            discussion: """
                Reads the decision log (policy_decisions) of DATABASE_URL or --database, evaluates the \
                candidate on every recorded input of policy NAME and compares with the recorded output. \
                Recorded fallbacks (safe defaults) are skipped. Differences are information, not failure.
                Exit status: 0 replayed (changed or not), 1 the candidate does not load or errors on an \
                input, 2 usage error (unknown policy, missing file or database, bad --since).
                """)

        @OptionGroup var config: ConfigOptions
        @Argument(help: ArgumentHelp("\(PolicyKind.names).")) var name: String?
        @Option(help: "The candidate policy file.") var candidate: String?
        @Option(help: "Only decisions recorded in this window, e.g. 30m, 12h, 7d.") var since: String?
        @Option(help: "At most this many recorded decisions (newest).") var limit = 1000
        @Option(help: "SQLite file path or sqlite:// URL (default: DATABASE_URL).") var database: String?
        @Option(help: "How many differing cases to show in full.") var show = 10
        @Option(help: "Report format: text or json.") var format = "text"

        func run() async throws {
            let names = PolicyKind.allCases.map(\.rawValue).joined(separator: ", ")
            guard let name, let kind = PolicyKind(rawValue: name) else {
                throw PolicyCommand.fail("NAME must be one of \(names)", code: 2)
            }
            guard let candidate else { throw PolicyCommand.fail("missing --candidate FILE", code: 2) }
            guard ["text", "json"].contains(format) else { throw PolicyCommand.fail("--format must be text or json", code: 2) }
            guard limit > 0, show >= 0 else { throw PolicyCommand.fail("--limit must be > 0 and --show >= 0", code: 2) }
            var window: Date?
            if let since {
                guard let seconds = Self.seconds(since) else {
                    throw PolicyCommand.fail("--since must be a duration like 30m, 12h or 7d (got \(since))", code: 2)
                }
                window = Date().addingTimeInterval(-seconds)
            }
            let text: String
            do {
                text = try PolicyFile.read(candidate)
            } catch {
                throw PolicyCommand.fail("cannot read candidate: \(error)", code: 2)
            }
            let folders = try await Folders.load(config)
            let decisions = try await readDecisions(kind, since: window, raw: database ?? folders.loaded.raw(.databaseURL))
            let replay = PolicyReplay(candidate: PolicySource(kind: kind, text: text, chunkName: candidate), shown: show)
            let report: PolicyReplay.Report
            do {
                report = try replay.run(decisions)
            } catch {
                throw PolicyCommand.fail("the candidate does not load: \(error)", code: 1)
            }
            PolicyCommand.write(format == "json" ? report.json() : report.text())
            if report.errors > 0 { throw ExitCode(1) }
        }

        private func readDecisions(_ kind: PolicyKind, since: Date?, raw: String) async throws -> [StoredDecision] {
            guard let location = DatabaseLocation.parse(raw), !location.isInMemory else {
                throw PolicyCommand.fail("no database file in \(raw) (set DATABASE_URL or --database)", code: 2)
            }
            guard FileManager.default.fileExists(atPath: location.path) else {
                throw PolicyCommand.fail("no database file at \(location.path) (set DATABASE_URL or --database)", code: 2)
            }
            do {
                let store = try SQLiteStore(location: location)
                defer { try? store.close() }
                return try await store.decisions(policy: kind.rawValue, since: since, limit: limit)
            } catch {
                throw PolicyCommand.fail("cannot read the decision log in \(location.path): \(error)", code: 2)
            }
        }

        /// `90s`, `30m`, `12h`, `7d` → seconds.
        static func seconds(_ text: String) -> Double? {
            guard let unit = text.last, let count = Double(text.dropLast()), count >= 0 else { return nil }
            switch unit {
            case "s": return count
            case "m": return count * 60
            case "h": return count * 3600
            case "d": return count * 86400
            default: return nil
            }
        }
    }
}
