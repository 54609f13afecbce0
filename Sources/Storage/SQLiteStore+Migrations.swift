import GRDB

extension SQLiteStore {
    /// The identifier of the newest migration, i.e. the schema version this build expects.
    public static var latestMigration: String { migrator.migrations.last ?? "" }

    /// Named, append-only migrations. Never edit one that has shipped: add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1_sessions_and_messages") { db in
            try db.create(table: "sessions") { t in
                t.primaryKey("id", .text)
                t.column("tenant_id", .text).notNull()
                t.column("title", .text).notNull()
                t.column("created_at", .datetime).notNull()
                t.column("updated_at", .datetime).notNull()
                t.column("message_count", .integer).notNull().defaults(to: 0)
            }
            try db.create(index: "sessions_by_tenant_created", on: "sessions", columns: ["tenant_id", "created_at"])
            try db.create(table: "messages") { t in
                t.primaryKey("id", .text)
                t.column("session_id", .text).notNull().references("sessions", onDelete: .cascade)
                t.column("tenant_id", .text).notNull()
                t.column("seq", .integer).notNull()
                t.column("role", .text).notNull()
                t.column("content", .text).notNull()
                t.column("status", .text).notNull()
                t.column("provider", .text)
                t.column("model", .text)
                t.column("prompt_tokens", .integer)
                t.column("completion_tokens", .integer)
                t.column("total_tokens", .integer)
                t.column("cached_tokens", .integer)
                t.column("is_fallback", .boolean).notNull().defaults(to: false)
                t.column("error", .text)
                t.column("created_at", .datetime).notNull()
                t.uniqueKey(["session_id", "seq"])
            }
        }
        migrator.registerMigration("v2_policy_versions_and_decisions") { db in
            // One row per activation: which version of which policy went live, when, and why.
            try db.create(table: "policy_versions") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("policy", .text).notNull()
                t.column("hash", .text).notNull()
                t.column("source", .text).notNull()
                t.column("origin", .text).notNull()
                t.column("activated_at", .datetime).notNull()
            }
            try db.create(index: "policy_versions_by_policy", on: "policy_versions", columns: ["policy", "id"])
            // The bounded, sampled decision log.
            try db.create(table: "policy_decisions") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("policy", .text).notNull()
                t.column("version", .text)
                t.column("input", .text).notNull()
                t.column("output", .text).notNull()
                t.column("duration_us", .integer).notNull()
                t.column("fallback", .boolean).notNull()
                t.column("error", .text)
                t.column("created_at", .datetime).notNull()
            }
            try db.create(index: "policy_decisions_by_policy", on: "policy_decisions", columns: ["policy", "id"])
        }
        migrator.registerMigration("v3_runtime_overrides") { db in
            // The overrides in force (one per setting) and their append-only history.
            try db.create(table: "overrides") { t in
                t.primaryKey("name", .text)
                t.column("value", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("set_at", .datetime).notNull()
            }
            try db.create(table: "override_audit") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull()
                t.column("action", .text).notNull()
                t.column("old_value", .text)
                t.column("new_value", .text)
                t.column("reason", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("at", .datetime).notNull()
            }
            try db.create(index: "override_audit_by_name", on: "override_audit", columns: ["name", "id"])
        }
        registerIncidentMigration(&migrator)
        migrator.registerMigration("v5_policy_version_tests") { db in
            // The text of the test file each version passed when it went live, so a rollback can
            // restore the policy with its tests. Rows from before this migration keep
            // tests_recorded = 0 ("not known"); 1 with a NULL test_source means no test file existed.
            try db.alter(table: "policy_versions") { t in
                t.add(column: "tests_recorded", .boolean).notNull().defaults(to: false)
                t.add(column: "test_source", .text)
            }
        }
        migrator.registerMigration("v6_policy_decision_bytes") { db in
            // The recorded bytes of each decision (input + output + error), so the log can be kept
            // under DECISION_LOG_MAX_BYTES by summing one integer column instead of reading every text.
            try db.alter(table: "policy_decisions") { t in
                t.add(column: "bytes", .integer).notNull().defaults(to: 0)
            }
            try db.execute(sql: """
                UPDATE policy_decisions SET bytes = length(CAST(input AS BLOB)) + length(CAST(output AS BLOB))
                    + coalesce(length(CAST(error AS BLOB)), 0)
                """)
        }
        migrator.registerMigration("v7_policy_test_passes") { db in
            // Each (policy text, test text, test library, fixtures, limits, build) whose tests
            // passed, by a digest of them all: a restart activating the same files skips re-running
            // tests it already ran. Bounded per policy by recordPolicyTestPass.
            try db.create(table: "policy_test_passes") { t in
                t.primaryKey("digest", .text)
                t.column("policy", .text).notNull()
                t.column("verified_at", .datetime).notNull()
            }
            try db.create(index: "policy_test_passes_by_policy", on: "policy_test_passes", columns: ["policy", "verified_at"])
        }
        registerPagingMigration(&migrator)
        migrator.registerMigration("v9_tenant_usage") { db in
            // Each tenant's use per minute (requests, estimated prompt tokens, completion tokens),
            // so the tokens-per-day window admission.lua reads and `GET /api/v1/admin/usage`
            // survive a restart. One row per tenant and minute: written as absolute totals, so
            // writing a minute again is harmless. Pruned by age (TenantUsageRecord.retention).
            try db.create(table: "tenant_usage", options: [.withoutRowID]) { t in
                t.column("tenant", .text).notNull()
                t.column("minute", .integer).notNull()
                t.column("requests", .integer).notNull()
                t.column("prompt_tokens", .integer).notNull()
                t.column("completion_tokens", .integer).notNull()
                t.primaryKey(["tenant", "minute"])
            }
        }
        return migrator
    }
}
