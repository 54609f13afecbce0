import Foundation
import GRDB

/// One tenant's use in one minute (UTC, minutes since 1970): what the usage windows aggregate
/// and the database keeps.
public struct TenantUsageRecord: Sendable, Equatable {
    /// Rows older than this are dropped when usage is written: the day window needs one day,
    /// the admin view shows at most this much history.
    public static let retentionMinutes: Int64 = 31 * 24 * 60

    public var tenant: String
    public var minute: Int64
    public var requests: Int64
    public var promptTokens: Int64
    public var completionTokens: Int64

    public init(tenant: String, minute: Int64, requests: Int64, promptTokens: Int64, completionTokens: Int64) {
        self.tenant = tenant
        self.minute = minute
        self.requests = requests
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

extension SQLiteStore {
    /// Writes minutes as absolute totals (a minute written again replaces its row) and drops rows
    /// older than ``TenantUsageRecord/retentionMinutes`` before `now`, in one transaction.
    public func saveTenantUsage(_ records: [TenantUsageRecord], nowMinute: Int64) async throws {
        guard !records.isEmpty else { return }
        try await writer.write { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO tenant_usage (tenant, minute, requests, prompt_tokens, completion_tokens) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(tenant, minute) DO UPDATE SET requests = excluded.requests,
                    prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens
                """)
            for record in records {
                try statement.execute(arguments: [record.tenant, record.minute, record.requests,
                                                  record.promptTokens, record.completionTokens])
            }
            try db.execute(sql: "DELETE FROM tenant_usage WHERE minute < ?",
                           arguments: [nowMinute - TenantUsageRecord.retentionMinutes])
        }
    }

    /// Minutes from `sinceMinute` on, of one tenant or all, oldest first.
    public func tenantUsage(sinceMinute: Int64, tenant: String? = nil) async throws -> [TenantUsageRecord] {
        try await writer.read { db in
            var sql = "SELECT tenant, minute, requests, prompt_tokens, completion_tokens FROM tenant_usage WHERE minute >= ?"
            var arguments: StatementArguments = [sinceMinute]
            if let tenant {
                sql += " AND tenant = ?"
                arguments += [tenant]
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY minute, tenant", arguments: arguments).map { row in
                TenantUsageRecord(tenant: row[0], minute: row[1], requests: row[2], promptTokens: row[3], completionTokens: row[4])
            }
        }
    }
}
