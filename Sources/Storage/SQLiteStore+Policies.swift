import Foundation
import GRDB

/// One activation of a policy version.
public struct StoredPolicyVersion: Sendable, Equatable, Codable {
    public var id: Int64
    public var policy: String
    public var hash: String
    public var source: String
    /// `file`, `rollback`, `stored` (restored at startup because the file was broken), `reload`.
    public var origin: String
    public var activatedAt: Date
    /// The test file the version passed when it went live.
    public var tests: StoredPolicyTests
}

/// The test file (`policies/tests/<name>_test.lua`) a stored version passed.
public enum StoredPolicyTests: Sendable, Equatable, Codable {
    /// Stored before tests were recorded with versions (or activated without running them).
    case notRecorded
    /// There was no test file.
    case none
    /// The test file's text.
    case file(String)
}

/// One recorded policy decision.
public struct StoredDecision: Sendable, Equatable, Codable {
    public var id: Int64
    public var policy: String
    public var version: String?
    /// JSON text of the input and output.
    public var input: String
    public var output: String
    public var durationMicros: Int
    public var fallback: Bool
    public var error: String?
    public var createdAt: Date

    public init(id: Int64 = 0, policy: String, version: String?, input: String, output: String,
                durationMicros: Int, fallback: Bool, error: String?, createdAt: Date) {
        self.id = id
        self.policy = policy
        self.version = version
        self.input = input
        self.output = output
        self.durationMicros = durationMicros
        self.fallback = fallback
        self.error = error
        self.createdAt = createdAt
    }
}

extension SQLiteStore {
    public func recordActivation(policy: String, hash: String, source: String, tests: StoredPolicyTests = .notRecorded,
                                 origin: String, at: Date = Date()) async throws {
        let testSource: String?
        switch tests {
        case .notRecorded, .none: testSource = nil
        case .file(let text): testSource = text
        }
        try await writer.write { db in
            try db.execute(sql: """
                INSERT INTO policy_versions (policy, hash, source, origin, activated_at, tests_recorded, test_source)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [policy, hash, source, origin, at, tests != .notRecorded, testSource])
        }
    }

    /// Whether tests with this digest (see `PolicyTestPasses`) passed before.
    public func hasPolicyTestPass(digest: String) async throws -> Bool {
        try await writer.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM policy_test_passes WHERE digest = ?", arguments: [digest]) ?? false
        }
    }

    /// Records a pass, keeping the newest `keep` of `policy`'s passes (older edits are unlikely to return).
    public func recordPolicyTestPass(digest: String, policy: String, at: Date = Date(), keep: Int = 50) async throws {
        try await writer.write { db in
            try db.execute(sql: """
                INSERT INTO policy_test_passes (digest, policy, verified_at) VALUES (?, ?, ?)
                ON CONFLICT(digest) DO UPDATE SET verified_at = excluded.verified_at
                """, arguments: [digest, policy, at])
            try db.execute(sql: """
                DELETE FROM policy_test_passes WHERE policy = ? AND digest NOT IN (
                    SELECT digest FROM policy_test_passes WHERE policy = ? ORDER BY verified_at DESC LIMIT ?)
                """, arguments: [policy, policy, keep])
        }
    }

    /// Activations of `policy`, newest first.
    public func policyActivations(policy: String, limit: Int = 100) async throws -> [StoredPolicyVersion] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM policy_versions WHERE policy = ? ORDER BY id DESC LIMIT ?
                """, arguments: [policy, limit]).map(StoredPolicyVersion.init(row:))
        }
    }

    /// Appends `decisions`, then drops the oldest rows until at most `limit` rows remain and
    /// their inputs, outputs and errors take at most `byteLimit` bytes (UTF-8).
    public func appendDecisions(_ decisions: [StoredDecision], keepAtMost limit: Int,
                                keepBytesAtMost byteLimit: Int = .max) async throws {
        guard !decisions.isEmpty else { return }
        try await writer.write { db in
            for d in decisions {
                try db.execute(sql: """
                    INSERT INTO policy_decisions (policy, version, input, output, duration_us, fallback, error, created_at, bytes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [d.policy, d.version, d.input, d.output, d.durationMicros, d.fallback, d.error, d.createdAt,
                                     d.recordedBytes])
            }
            // Bounded: keep the newest `limit` rows.
            try db.execute(sql: """
                DELETE FROM policy_decisions WHERE id <= (SELECT max(id) FROM policy_decisions) - ?
                """, arguments: [limit])
            // And the newest rows whose bytes, newest first, add up to at most `byteLimit`: the
            // first row (from the newest) that takes the sum past it goes, with all older ones.
            try db.execute(sql: """
                DELETE FROM policy_decisions WHERE id <= (
                    SELECT id FROM (SELECT id, sum(bytes) OVER (ORDER BY id DESC) AS newer_bytes FROM policy_decisions)
                    WHERE newer_bytes > ? ORDER BY id DESC LIMIT 1)
                """, arguments: [byteLimit])
        }
    }

    /// Recorded decisions, newest first, optionally of one policy and since a time.
    public func decisions(policy: String?, since: Date?, limit: Int) async throws -> [StoredDecision] {
        try await writer.read { db in
            var sql = "SELECT * FROM policy_decisions WHERE 1"
            var arguments: StatementArguments = []
            if let policy { sql += " AND policy = ?"; arguments += [policy] }
            if let since { sql += " AND created_at >= ?"; arguments += [since] }
            sql += " ORDER BY id DESC LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(StoredDecision.init(row:))
        }
    }
}

extension StoredPolicyVersion {
    init(row: Row) {
        let tests: StoredPolicyTests
        if !(row["tests_recorded"] as Bool) {
            tests = .notRecorded
        } else if let text = row["test_source"] as String? {
            tests = .file(text)
        } else {
            tests = .none
        }
        self.init(id: row["id"], policy: row["policy"], hash: row["hash"], source: row["source"],
                  origin: row["origin"], activatedAt: row["activated_at"], tests: tests)
    }
}

extension StoredDecision {
    /// What the decision takes in the log: its input, output and error, in UTF-8 bytes.
    public var recordedBytes: Int { input.utf8.count + output.utf8.count + (error?.utf8.count ?? 0) }

    init(row: Row) {
        self.init(id: row["id"], policy: row["policy"], version: row["version"], input: row["input"], output: row["output"],
                  durationMicros: row["duration_us"], fallback: row["fallback"], error: row["error"], createdAt: row["created_at"])
    }
}
