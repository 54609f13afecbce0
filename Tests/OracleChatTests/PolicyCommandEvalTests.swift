import Foundation
import Testing
import TestSupport

/// `oracle-chat policy eval`, `policy replay` and `policy contract`.
@Suite(.serialized) struct PolicyCommandEvalTests {
    @Test func evalPrintsTheDecisionAsSortedJSON() async throws {
        let result = try await Policies.run(["policy", "eval", "severity",
                                       "--input", "@\(Policies.repository)/policies/tests/fixtures/metrics_error_spike.json"])
        #expect(result.status == 0, "\(result.stderr)")
        let decision = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(decision?["severity"] as? String == "P1")
        #expect(decision?["reasons"] as? [String] == ["error rate 31.0% > 25%"])
        #expect(result.stdout.range(of: "\"reasons\"")!.lowerBound < result.stdout.range(of: "\"severity\"")!.lowerBound)
        #expect(result.stderr.isEmpty)
    }

    @Test func healthyDecisionShowsAnEmptyListAndExplainGoesToStderr() async throws {
        let result = try await Policies.run(["policy", "eval", "severity", "--explain",
                                       "--input", "@\(Policies.repository)/policies/tests/fixtures/metrics_healthy.json"])
        #expect(result.status == 0)
        #expect(result.stdout.contains(#""reasons" : []"#), "\(result.stdout)")
        #expect(result.stderr.contains("policy: \(Policies.repository)/policies/severity.lua"))
        #expect(result.stderr.contains(try Regex(#"version: [0-9a-f]{16}\n"#)))
        let count = result.stderr.firstMatch(of: /instructions: (\d+)/).flatMap { Int($0.1) } ?? 0
        #expect(count > 0 && count % 1000 != 0, "explain counts every instruction: \(count)")
    }

    @Test func evalErrorsAreClear() async throws {
        let bad = try await Policies.run(["policy", "eval", "severity", "--input", "{not json"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("--input is not valid JSON"))
        let unknown = try await Policies.run(["policy", "eval", "pricing", "--input", "{}"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("unknown policy pricing"))
        #expect(try await Policies.run(["policy", "eval", "severity"]).status == 2)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("rollout.lua", "function decide(ctx) return { enabled = 'yes', reason = 'x' } end\n")
        let contract = try await Policies.run(["policy", "eval", dir.file("rollout.lua"), "--input", "{}"])
        #expect(contract.status == 1)
        #expect(contract.stderr.contains("result.enabled must be a boolean"))
    }

    /// What `policy contract` prints is what docs/policies.md shows (scripts/regen-docs.sh copies it).
    @Test func contractPrintsTheDocumentedFields() async throws {
        let docs = try String(contentsOfFile: "\(Policies.repository)/docs/policies.md", encoding: .utf8)
        let escalation = try await Policies.run(["policy", "contract", "escalation"])
        #expect(escalation.status == 0, "\(escalation.stderr)")
        #expect(escalation.stdout.contains("| `actions_taken` | list of string |"))
        #expect(docs.contains(escalation.stdout))
        let all = try await Policies.run(["policy", "contract"])
        #expect(all.stdout.contains(escalation.stdout))
        #expect(all.stdout.contains("| `session_id` | string |"))
        let unknown = try await Policies.run(["policy", "contract", "pricing"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown policy pricing"))
    }

    @Test func replayCountsTransitionsFromTheDecisionLog() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try await Self.seed(dir.file("log.db"))
        try dir.write("severity.lua", """
            function classify(m)
              if m.error_rate > 0.20 then return { severity = "P1", reasons = { "errors" } } end
              if m.error_rate >= 0.10 then return { severity = "P2", reasons = { "errors" } } end
              return { reasons = {} }
            end
            """)
        let result = try await Policies.run(["policy", "replay", "severity", "--candidate", dir.file("severity.lua"),
                                       "--database", dir.file("log.db"), "--since", "7d"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("replayed 3 recorded severity decisions"))
        #expect(result.stdout.contains("  severity P2 → P1: 2"))
        #expect(result.stdout.contains("candidate errors: 0"))
        let json = try await Policies.run(["policy", "replay", "severity", "--candidate", dir.file("severity.lua"),
                                     "--database", dir.file("log.db"), "--format", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["changed"] as? Int == 2)

        try dir.write("broken.lua", "function classify(m) return { severity = m.nope.x } end\n")
        let failing = try await Policies.run(["policy", "replay", "severity", "--candidate", dir.file("broken.lua"),
                                        "--database", dir.file("log.db")])
        #expect(failing.status == 1)
        #expect(failing.stdout.contains("candidate errors: 3"))
        #expect(try await Policies.run(["policy", "replay", "severity", "--candidate", dir.file("severity.lua"),
                                  "--database", dir.file("log.db"), "--since", "soon"]).status == 2)
        #expect(try await Policies.run(["policy", "replay", "severity", "--candidate", dir.file("severity.lua"),
                                  "--database", dir.file("missing.db")]).status == 2)
    }

    /// A decision log as the server writes it (GRDB stores dates as "yyyy-MM-dd HH:mm:ss.SSS" UTC).
    static func seed(_ path: String) async throws {
        let script = """
            import sqlite3, sys, datetime
            db = sqlite3.connect(sys.argv[1])
            db.execute('CREATE TABLE policy_decisions (id INTEGER PRIMARY KEY AUTOINCREMENT, policy TEXT NOT NULL, version TEXT, input TEXT NOT NULL, output TEXT NOT NULL, duration_us INTEGER NOT NULL, fallback BOOLEAN NOT NULL, error TEXT, created_at DATETIME NOT NULL)')
            now = datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M:%S.000')
            rows = [('{"error_rate":0.22}', '{"reasons":["errors"],"severity":"P2"}', 0),
                    ('{"error_rate":0.24}', '{"reasons":["errors"],"severity":"P2"}', 0),
                    ('{"error_rate":0.01}', '{"reasons":[]}', 0),
                    ('{"error_rate":0.50}', '{"reasons":["safe default"]}', 1)]
            for i, o, f in rows:
                db.execute('INSERT INTO policy_decisions (policy, version, input, output, duration_us, fallback, created_at) VALUES (?,?,?,?,?,?,?)', ('severity', 'v1', i, o, 5, f, now))
            db.commit()
            """
        let output = try await Policies.python(script, path)
        #expect(output.isEmpty)
    }
}
