import Foundation
import Testing
import OracleCore
import TestSupport

/// `oracle-chat policy test` and `policy check`, run as an operator runs them.
@Suite(.serialized) struct PolicyCommandTests {
    @Test func shippedPoliciesPassWithFullCoverage() async throws {
        let result = try await Policies.run(["policy", "test", "--coverage", "--threshold", "100"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let last = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.wholeMatch(of: /\d+ passed, 0 failed/) != nil, "\(last)")
        #expect(result.stdout.contains("coverage \(Policies.repository)/policies/severity.lua: 100.0%"))
    }

    @Test func failingTestsExitOneWithDetails() async throws {
        let result = try await Policies.run(["policy", "test", Policies.fixture("failing")])
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAIL \(Policies.fixture("failing"))/tests/rollout_test.lua: test_wrong_reason"))
        #expect(result.stdout.contains(#"expected: {enabled = false, reason = "disabled"}"#))
        #expect(result.stdout.hasSuffix("\n2 passed, 2 failed\n"))
    }

    @Test func badTestsNeverHangAndAlwaysSummarise() async throws {
        for (name, summary) in [("looping", "1 passed, 2 failed"), ("memory-bomb", "1 passed, 1 failed"),
                                ("syntax-error", "0 passed, 1 failed"), ("missing-policy", "0 passed, 1 failed")] {
            let result = try await Policies.run(["policy", "test", Policies.fixture(name)], timeout: 60)
            #expect(result.status == 1, "\(name)")
            #expect(result.stdout.hasSuffix("\n\(summary)\n"), "\(name): \(result.stdout)")
        }
    }

    @Test func thresholdFailsWhenCoverageIsShort() async throws {
        let result = try await Policies.run(["policy", "test", Policies.fixture("skipped"), "--threshold", "90"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("uncovered lines: 6"))
        #expect(result.stdout.hasSuffix("1 passed, 0 failed, 1 skipped\n"))
        #expect(try await Policies.run(["policy", "test", Policies.fixture("skipped")]).status == 0)
    }

    @Test func runFilterAndPolicyNameSelectTests() async throws {
        let filtered = try await Policies.run(["policy", "test", Policies.fixture("cases-table"), "--run", "table/b$"])
        #expect(filtered.status == 0)
        #expect(filtered.stdout.hasSuffix("\n1 passed, 0 failed\n"))
        let one = try await Policies.run(["policy", "test", "rollout"])
        #expect(one.status == 0)
        #expect(!one.stdout.contains("severity_test.lua"))
        let none = try await Policies.run(["policy", "test", Policies.fixture("cases-table"), "--run", "nothing-matches"])
        #expect(none.status == 1)
        #expect(none.stderr.contains("no test ran"))
    }

    @Test func machineFormatsKeepStdoutParseable() async throws {
        let json = try await Policies.run(["policy", "test", Policies.fixture("failing"), "--format", "json"])
        #expect(json.status == 1)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((object?["summary"] as? [String: Int])?["failed"] == 2)
        #expect(json.stderr.contains("2 passed, 2 failed"))
        let tap = try await Policies.run(["policy", "test", Policies.fixture("skipped"), "--format", "tap"])
        #expect(tap.stdout.hasPrefix("TAP version 13\n1..2\nok 1 - "))
        #expect(tap.stdout.contains("todo_bucket_boundary # SKIP todo"))
    }

    @Test func junitOutputFileIsValidXMLAndStdoutStaysText() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let result = try await Policies.run(["policy", "test", Policies.fixture("failing"), "--format", "junit", "--output", dir.file("junit.xml")])
        #expect(result.status == 1)
        #expect(result.stdout.hasSuffix("2 passed, 2 failed\n"))
        let python = try await Policies.python("import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); print(len(r.iter('failure').__next__().text) > 0, r.get('failures'))", dir.file("junit.xml"))
        #expect(python == "True 2\n")
    }

    @Test func usageErrorsExitTwo() async throws {
        #expect(try await Policies.run(["policy", "test", "/nonexistent/folder"]).status == 2)
        #expect(try await Policies.run(["policy", "test", "--format", "xml"]).status == 2)
        #expect(try await Policies.run(["policy", "test", "--run", "("]).status == 2)
        #expect(try await Policies.run(["policy", "test"], environment: ["LUA_DIR": "/nonexistent"]).status == 2)
    }

    @Test func checkPassesShippedPoliciesAndReportsProblems() async throws {
        let ok = try await Policies.run(["policy", "check"])
        #expect(ok.status == 0, "\(ok.stdout)")
        let shipped = try FileManager.default.contentsOfDirectory(atPath: Policies.repository + "/policies").filter { $0.hasSuffix(".lua") }
        #expect(ok.stdout.contains("checked \(shipped.count) files: 0 errors, 0 warnings"))
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("rollout.lua", """
            -- os.exit() in a comment is fine
            function decide(ctx)
              local now = os.time()
              return { enabled = SWITCH, reason = "x" }
            end
            """)
        let bad = try await Policies.run(["policy", "check", dir.file("rollout.lua")])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("\(dir.file("rollout.lua")):3: error: 'os' is not available in the policy sandbox"))
        #expect(bad.stdout.contains("\(dir.file("rollout.lua")):4: warning: reads global 'SWITCH'"))
        #expect(!bad.stdout.contains(":1:"))
        #expect(try await Policies.run(["policy", "check", dir.file("nope.lua")]).status == 2)
    }

    @Test func watchRerunsOnChange() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try FileManager.default.copyItem(atPath: Policies.fixture("passing"), toPath: dir.file("policies"))
        let watcher = try await WatchedProcess(["policy", "test", dir.file("policies"), "--watch"])
        #expect(await watcher.waitFor("5 passed, 0 failed"))
        #expect(await watcher.waitFor("for changes (Ctrl-C to exit)"))
        try dir.write("policies/tests/severity_test.lua", "function test_now_fails() expect_eq(1, 2) end\n")
        #expect(await watcher.waitFor("change detected"))
        #expect(await watcher.waitFor("3 passed, 1 failed"))
        await watcher.stop()
    }
}

/// Runs the binary against the repository's policies and lua folders.
enum Policies {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static func fixture(_ name: String) -> String { "\(repository)/Tests/PoliciesTests/Fixtures/\(name)" }

    /// An empty config file, so the developer's config/oracle-chat.env cannot change results.
    static let emptyConfig: String = {
        let path = NSTemporaryDirectory() + "oracle-chat-policy-tests.env"
        FileManager.default.createFile(atPath: path, contents: Data())
        return path
    }()

    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 60) async throws -> OracleChatBinary.Result {
        try await OracleChatBinary.run(arguments, environment: [
            "POLICIES_DIR": repository + "/policies", "LUA_DIR": repository + "/lua", "CONFIG_FILE": emptyConfig,
            // The suite runs beside this process on two cores: a test's 2 s wall-clock limit is
            // no measure there (the tests that cross limits set them themselves).
            "POLICY_TIMEOUT_MS": "30000",
        ].merging(environment) { $1 }, timeout: timeout)
    }

    /// Runs `python3 -c script args...`; returns stdout.
    static func python(_ script: String, _ arguments: String...) async throws -> String {
        try await ChildProcess.run("/usr/bin/env", ["python3", "-c", script] + arguments, timeout: .seconds(60)).stdout
    }
}

/// A long-running `oracle-chat` whose stdout is read as it comes.
final class WatchedProcess {
    private let child: RunningChild

    init(_ arguments: [String]) async throws {
        child = try await RunningChild(OracleChatBinary.path, arguments, environment: [
            "LUA_DIR": Policies.repository + "/lua", "CONFIG_FILE": Policies.emptyConfig,
        ])
    }

    /// Reads until `text` has appeared (after what earlier waits consumed) or 20 s pass.
    func waitFor(_ text: String) async -> Bool {
        await child.waitFor(.standardOutput, timeout: .seconds(20)) { $0.range(of: text) } != nil
    }

    func stop() async {
        await child.stop()
    }
}
