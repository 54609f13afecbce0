import Foundation
import LuaRuntime
import OracleCore
import Policies
import Storage
import Testing
import TestSupport

/// Replays decisions recorded in a temporary database.
@Suite struct PolicyReplayTests {
    static let severity = """
        function classify(m)
          if m.error_rate > 0.25 then return { severity = "P1", reasons = { "errors" } } end
          if m.error_rate >= 0.10 then return { severity = "P2", reasons = { "errors" } } end
          return { reasons = {} }
        end
        """
    /// The candidate lowers the P1 line to 20% and fails on a missing error rate.
    static let candidate = """
        function classify(m)
          if m.error_rate > 0.20 then return { severity = "P1", reasons = { "errors" } } end
          if m.error_rate >= 0.10 then return { severity = "P2", reasons = { "errors", "new" } } end
          return { reasons = {} }
        end
        """

    private func record(_ rates: [Double?], fallbackAt: Int? = nil) async throws -> (SQLiteStore, TemporaryDirectory) {
        let dir = try TemporaryDirectory()
        let store = try SQLiteStore(location: DatabaseLocation(path: dir.file("db.sqlite")))
        try await store.migrate()
        let live = try PolicyReplay.Candidate(source: PolicySource(kind: .severity, text: Self.severity, chunkName: "severity.lua"))
        var rows: [StoredDecision] = []
        for (index, rate) in rates.enumerated() {
            let input: LuaValue = rate.map { ["error_rate": .number($0)] } ?? ["error_rate": 0.0]
            let output = try live.evaluate(input).output
            rows.append(StoredDecision(policy: "severity", version: "v1",
                                       input: try LuaHelpers.jsonEncode(rate == nil ? [:] : input),
                                       output: try LuaHelpers.jsonEncode(output), durationMicros: 5,
                                       fallback: index == fallbackAt, error: nil, createdAt: Date()))
        }
        rows.append(StoredDecision(policy: "rollout", version: "v1", input: "{}", output: "{}", durationMicros: 1,
                                   fallback: false, error: nil, createdAt: Date()))
        try await store.appendDecisions(rows, keepAtMost: 1000)
        return (store, dir)
    }

    @Test func countsTransitionsOtherChangesAndErrors() async throws {
        let (store, dir) = try await record([0.22, 0.23, 0.12, 0.30, 0.01, nil, 0.5], fallbackAt: 6)
        defer { try? store.close(); dir.remove() }
        let decisions = try await store.decisions(policy: "severity", since: nil, limit: 100)
        let replay = PolicyReplay(candidate: PolicySource(kind: .severity, text: Self.candidate, chunkName: "new/severity.lua"),
                                  shown: 2)
        let report = try replay.run(decisions)
        #expect(report.replayed == 6)
        #expect(report.skippedFallbacks == 1)
        #expect(report.unchanged == 2)  // 0.30 (P1 both) and 0.01 (healthy both)
        #expect(report.changed == 3)
        #expect(report.transitions == [PolicyReplay.Report.Transition(from: "P2", to: "P1", count: 2)])
        #expect(report.otherFieldsChanged == 1)  // 0.12: P2 both, reasons differ
        #expect(report.errors == 1)  // the recorded input without error_rate
        #expect(report.errorSamples.first?.message.contains("new/severity.lua:2") == true)
        #expect(report.differences.count == 2)
        #expect(report.differences.first?.recorded["severity"] == "P2")
        #expect(report.differences.first?.candidate["severity"] == "P1")
        let text = report.text()
        #expect(text.contains("changed: 3 of 6 (50.0%), unchanged: 2"))
        #expect(text.contains("  severity P2 → P1: 2"))
        #expect(text.contains("  other fields changed: 1"))
        #expect(text.contains("candidate errors: 1"))
        let json = try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any]
        #expect(json?["changed"] as? Int == 3)
        #expect((json?["transitions"] as? [[String: Any]])?.first?["to"] as? String == "P1")
    }

    @Test func identicalCandidateChangesNothing() async throws {
        let (store, dir) = try await record([0.05, 0.15, 0.35])
        defer { try? store.close(); dir.remove() }
        let report = try PolicyReplay(candidate: PolicySource(kind: .severity, text: Self.severity, chunkName: "s.lua"))
            .run(try await store.decisions(policy: "severity", since: nil, limit: 100))
        #expect(report.replayed == 3 && report.changed == 0 && report.errors == 0)
    }

    @Test func candidateThatDoesNotLoadThrows() {
        let replay = PolicyReplay(candidate: PolicySource(kind: .severity, text: "function classify(", chunkName: "bad.lua"))
        #expect(throws: PolicyFailure.self) { try replay.run([]) }
    }

    @Test func numbersCompareByValueAndEmptyListsLikeEmptyTables() throws {
        let candidate = try PolicyReplay.Candidate(source: PolicySource(
            kind: .cleanup, text: "function plan(s) return { idle_ttl = 300.0, max_evictions = 2, emergency = false, reason = 'r' } end",
            chunkName: "cleanup.lua"))
        let output = try candidate.evaluate(["now": 1]).output
        let recorded = try LuaHelpers.jsonDecode(#"{"idle_ttl": 300, "max_evictions": 2, "emergency": false, "reason": "r"}"#)
        let replay = PolicyReplay(candidate: candidate.source)
        let report = try replay.run([StoredDecision(id: 1, policy: "cleanup", version: nil, input: #"{"now": 1}"#,
                                                    output: try LuaHelpers.jsonEncode(recorded), durationMicros: 1,
                                                    fallback: false, error: nil, createdAt: Date())])
        #expect(output["idle_ttl"] == .number(300))
        #expect(report.unchanged == 1)
    }
}
