/// One kind of operational row that `db maintain` deletes once it is older than the retention
/// period. A rule whose table (or column) does not exist yet is skipped, so a feature that adds
/// a table adds its rule here and nothing else changes.
///
/// `timestampColumn` must hold GRDB's `Date` encoding (UTC text), which compares correctly
/// with the bound cutoff. `condition` is extra SQL on the same row (e.g. only resolved
/// incidents), written here, never taken from input.
public struct RetentionRule: Sendable, Equatable {
    public var table: String
    public var timestampColumn: String
    public var condition: String?
    public var summary: String

    public init(table: String, timestampColumn: String, condition: String? = nil, _ summary: String) {
        self.table = table
        self.timestampColumn = timestampColumn
        self.condition = condition
        self.summary = summary
    }

    /// Operational tables only — never chat history.
    public static let operational: [RetentionRule] = [
        RetentionRule(table: "policy_decisions", timestampColumn: "created_at",
                      "policy decision log"),
        RetentionRule(table: "incident_events", timestampColumn: "at",
                      condition: "incident_id IN (SELECT id FROM incidents WHERE status = 'resolved')",
                      "timeline of resolved incidents (the incidents themselves are kept)"),
        RetentionRule(table: "notification_outbox", timestampColumn: "created_at",
                      condition: "status IN ('delivered', 'failed', 'silenced')",
                      "delivered, abandoned or silenced notifications (pending ones are kept)"),
        RetentionRule(table: "silences", timestampColumn: "ends_at",
                      "silences and maintenance windows that ended (active and scheduled ones are kept)"),
        RetentionRule(table: "override_audit", timestampColumn: "at",
                      condition: "name NOT IN (SELECT name FROM overrides)",
                      "audit trail of settings no longer overridden (the history of active overrides is kept)"),
    ]
}
