import Foundation
import OracleCore
import Storage

/// Collects what the seeds' `collect_diagnostics.sh` gathered — health, metrics, effective
/// configuration, database check, versions — and the operational history in the database
/// (policy versions and decisions, overrides and their audit, incidents, notifications) into
/// one folder, with every configured secret redacted from every file. Works whether or not
/// the server is up; `summary.txt` says which parts are missing and why.
///
/// ```swift
/// let collector = DiagnosticsCollector(values: loaded.values, database: location, fetchHealth: probe)
/// let parts = await collector.collect()
/// ```
public struct DiagnosticsCollector: Sendable {
    public var values: [String: ResolvedValue]
    public var database: DatabaseLocation
    public var fetchHealth: HealthFetcher?
    public var healthUnavailableReason: String

    public init(values: [String: ResolvedValue], database: DatabaseLocation, fetchHealth: HealthFetcher?,
                healthUnavailableReason: String = "no server address") {
        self.values = values
        self.database = database
        self.fetchHealth = fetchHealth
        self.healthUnavailableReason = healthUnavailableReason
    }

    /// Every secret value configured: each secret setting whole, each key of `CHAT_API_KEYS`
    /// (`key:tenant`) and each key of `ADMIN_API_KEYS` (`name:key`).
    public var secrets: [String] {
        var found: [String] = []
        for spec in SettingsCatalog.all where spec.isSecret {
            let raw = values[spec.name]?.raw ?? ""
            guard !raw.isEmpty else { continue }
            found.append(raw)
            if spec.setting == .adminAPIKeys {
                // The key is after the name; a value that does not parse is still redacted whole, above.
                found += (try? AdminKeys.parse(raw))?.keys ?? []
                continue
            }
            found += raw.split(separator: ",").flatMap { pair in
                [String(pair), pair.split(separator: ":").first.map(String.init) ?? ""]
            }.map { $0.trimmingCharacters(in: .whitespaces) }
        }
        return Array(Set(found.filter { !$0.isEmpty }))
    }

    /// The parts, already redacted.
    public func collect() async -> [DiagnosticsPart] {
        var parts: [DiagnosticsPart] = []
        for (file, path) in [("health.json", "/health"), ("health_database.json", "/health/database"), ("health_ai.json", "/health/ai"),
                             ("metrics.txt", "/metrics")] {
            guard let fetchHealth else {
                parts.append(.missing(file, "GET \(path)", healthUnavailableReason))
                continue
            }
            switch await fetchHealth(path) {
            case .success(let body): parts.append(.collected(file, "GET \(path)", body))
            case .failure(let failure): parts.append(.missing(file, "GET \(path)", failure.reason))
            }
        }
        parts.append(.collected("config.txt", "effective configuration (secrets redacted)", effectiveConfig))
        parts.append(databaseCheck())
        parts += history()
        parts.append(.collected("server.txt", "server process (database lock)", serverState))
        let versions = await ComponentVersions.collect()
        parts.append(.collected("versions.txt", "versions", versions.map { "\($0.name): \($0.value)" }.joined(separator: "\n") + "\n"))
        parts.append(.missing("logs.txt", "recent log lines",
                              "logs go to stderr (journald under systemd) and are not collected: "
                              + "add `journalctl -u oracle-chat --since '-1h'` output yourself, after checking it for secrets"))
        let redactor = Redactor(secrets: secrets)
        return parts.map { part in
            var part = part
            part.content = part.content.map(redactor.redact)
            part.unavailable = part.unavailable.map(redactor.redact)
            return part
        }
    }

    var effectiveConfig: String {
        SettingsCatalog.all.map { spec in
            let value = values[spec.name] ?? ResolvedValue(raw: spec.defaultValue, origin: .default)
            return "\(spec.name)=\(spec.display(value.raw))  # \(value.origin)"
        }.joined(separator: "\n") + "\n"
    }

    func databaseCheck() -> DiagnosticsPart {
        let title = "database check (oracle-chat db check)"
        guard !database.isInMemory else { return .missing("db_check.txt", title, "DATABASE_URL is :memory:") }
        do {
            return .collected("db_check.txt", title, try DatabaseInspector.report(forFileAt: database.path).text + "\n")
        } catch {
            return .missing("db_check.txt", title, "\(error)")
        }
    }

    /// The operational tables, one file each (``DatabaseInspector/historyTables``).
    func history() -> [DiagnosticsPart] {
        let tables = DatabaseInspector.historyTables
        guard !database.isInMemory else { return tables.map { .missing($0.file, $0.title, "DATABASE_URL is :memory:") } }
        do {
            return try DatabaseInspector.history(forFileAt: database.path).map { table, text, problem in
                text.map { .collected(table.file, table.title, $0) } ?? .missing(table.file, table.title, problem ?? "not read")
            }
        } catch {
            return tables.map { .missing($0.file, $0.title, "\(error)") }
        }
    }

    var serverState: String {
        switch DatabaseLock.probe(database) {
        case .free: "no server holds the database lock (\(DatabaseLock.path(for: database)))\n"
        case .stale(let pid): "stale lock file left by PID \(pid.map(String.init) ?? "?") (crashed server?)\n"
        case .held(let pid): "server running: PID \(pid.map(String.init) ?? "?") holds \(DatabaseLock.path(for: database))\n"
        }
    }

    /// `summary.txt`: what is in the archive and what is not.
    public static func summary(_ parts: [DiagnosticsPart], createdAt: Date = Date()) -> String {
        var lines = ["Oracle Chat diagnostics", "created: \(createdAt.ISO8601Format())",
                     "oracle-chat version: \(OracleVersion.current)",
                     "secrets: every secret setting's value is replaced by [redacted] in every file", "", "collected:"]
        lines += parts.filter { $0.content != nil }.map { "  \($0.file): \($0.title)" }
        lines += ["", "unavailable:"]
        lines += parts.compactMap { part in part.unavailable.map { "  \(part.file): \(part.title): \($0)" } }
        return lines.joined(separator: "\n") + "\n"
    }
}
