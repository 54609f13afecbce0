import Foundation
import LuaRuntime
import Policies
import Testing

/// The runner on the fixture folders in `Fixtures/`, each a tiny `policies/` tree.
@Suite struct PolicyTestRunnerTests {
    @Test func passingFolderRunsEveryFunctionAndCase() {
        let report = Fixture.run("passing")
        #expect(report.summaryLine == "5 passed, 0 failed")
        #expect(report.results.map(\.name).contains("test_percentages/100% enables"))
        #expect(report.files.count == 2)
        #expect(report.files.allSatisfy { $0.policyFile != nil && $0.library.hasSuffix("lua/testing.lua") })
    }

    @Test func failureShowsAssertionDiffAndTheTestLine() throws {
        let report = Fixture.run("failing")
        #expect(report.summaryLine == "2 passed, 2 failed")
        let wrong = try #require(report.results.first { $0.name == "test_wrong_reason" })
        #expect(wrong.status == .failed)
        #expect(wrong.location?.hasSuffix("failing/tests/rollout_test.lua:10") == true)
        let message = try #require(wrong.message)
        #expect(message.contains("values differ"))
        #expect(message.contains(#"expected: {enabled = false, reason = "disabled"}"#))
        #expect(message.contains(#"actual: {enabled = false, reason = "off"}"#))
        #expect(message.contains(#".reason: expected "disabled", got "off""#))
    }

    @Test func failingCaseNamesTheCaseAndItsAssertionLine() throws {
        let report = Fixture.run("failing")
        let bad = try #require(report.results.first { $0.name == #"test_cases/bad <case> & "quoted""# })
        #expect(bad.status == .failed)
        #expect(bad.message?.hasPrefix(#"case "bad <case> & \"quoted\"": values differ"#) == true)
        #expect(bad.location?.hasSuffix("failing/tests/rollout_test.lua:17") == true)
    }

    @Test func errorsInTestsAndPoliciesAndContractBreaksFailTheirTest() throws {
        let results = Fixture.run("erroring").results
        #expect(results.count == 3 && results.allSatisfy { $0.status == .failed })
        let raised = try #require(results.first { $0.name == "test_raises" })
        #expect(raised.message == "boom")
        #expect(raised.location?.hasSuffix("erroring/tests/rollout_test.lua:2") == true)
        let runtime = try #require(results.first { $0.name == "test_policy_fails_at_run_time" })
        #expect(runtime.message?.contains("attempt to index a nil value") == true)
        #expect(runtime.location?.hasSuffix("erroring/rollout.lua:6") == true)
        let contract = try #require(results.first { $0.name == "test_policy_breaks_contract" })
        #expect(contract.message?.contains("decide() broke its contract: result.enabled must be a boolean") == true)
    }

    @Test func todoIsSkippedAndCounted() {
        let report = Fixture.run("skipped")
        #expect(report.summaryLine == "1 passed, 0 failed, 1 skipped")
        #expect(report.results.first { $0.name == "todo_bucket_boundary" }?.status == .skipped)
    }

    @Test func endlessLoopsFailOnTheBudgetEvenUnderPcallAndTheRunGoesOn() throws {
        let results = Fixture.run("looping").results
        for name in ["test_forever", "test_cannot_catch_the_budget"] {
            let result = try #require(results.first { $0.name == name })
            #expect(result.status == .failed)
            #expect(result.message?.contains("exceeded the instruction budget") == true, "\(name)")
        }
        #expect(results.first { $0.name == "test_still_runs_after_the_loops" }?.status == .passed)
    }

    @Test func memoryBombFailsOnTheMemoryCap() throws {
        let results = Fixture.run("memory-bomb").results
        let bomb = try #require(results.first { $0.name == "test_doubles_a_string_forever" })
        #expect(bomb.status == .failed)
        #expect(bomb.message?.contains("memory cap") == true)
        #expect(results.first { $0.name == "test_still_runs_after_the_bomb" }?.status == .passed)
    }

    @Test func syntaxErrorFailsTheFileWithItsLine() throws {
        let report = Fixture.run("syntax-error")
        #expect(report.summaryLine == "0 passed, 1 failed")
        let load = try #require(report.results.first)
        #expect(load.name == "(load)")
        #expect(load.location?.hasSuffix("syntax-error/tests/rollout_test.lua:6") == true)
        #expect(load.message?.contains("expected") == true)
    }

    @Test func missingPolicyFailsWithWhereItLooked() throws {
        let report = Fixture.run("missing-policy")
        let load = try #require(report.results.first)
        #expect(report.failed == 1)
        #expect(load.message?.contains("policy rollout.lua not found") == true)
        #expect(report.files.first?.policyFile == nil)
    }

    @Test func filterSelectsCasesByFullName() throws {
        let report = Fixture.run("cases-table", filter: try Regex("table/[bc]$"))
        #expect(report.results.map(\.name) == ["test_table/b", "test_table/c"])
        #expect(report.summaryLine == "1 passed, 1 failed")
    }

    @Test func coverageListsUncoveredLines() throws {
        let report = Fixture.run("skipped", coverage: true)
        let coverage = try #require(report.coverage?.first)
        #expect(coverage.policy.hasSuffix("skipped/rollout.lua"))
        #expect(coverage.uncoveredLines == [6])
        #expect(!report.succeeded(threshold: 100))
        #expect(report.succeeded(threshold: 50))
    }

    @Test func liveReloadTestsACandidateInsteadOfTheFile() throws {
        let runner = PolicyTestRunner(policiesDirectory: Fixture.path("passing"), luaDirectory: Fixture.lua)
        let broken = PolicySource(kind: .rollout, text: "function decide(ctx) return { enabled = true, reason = 'x' } end",
                                  chunkName: "candidate/rollout.lua")
        let report = try #require(runner.runTests(of: broken))
        // The switch-off and 0% tests fail on a policy that enables everyone; activation stops
        // at the first failure, a full run reports both.
        #expect(report.failed == 1)
        #expect(report.results.last?.status == .failed)
        let file = Fixture.path("passing") + "/tests/rollout_test.lua"
        #expect(runner.run(files: [file], candidate: broken).failed == 2)
        #expect(runner.runTests(of: PolicySource(kind: .cleanup, text: "", chunkName: "cleanup.lua")) == nil)
    }

    @Test func shippedPoliciesPassWithFullLineCoverage() {
        let report = PolicyTestRunner(policiesDirectory: Fixture.repository + "/policies", luaDirectory: Fixture.lua,
                                      limits: PolicyHostFixture.runnerLimits).run(coverage: true)
        #expect(report.failed == 0, "\(report.results.filter { $0.status == .failed }.map { "\($0.name): \($0.message ?? "")" })")
        #expect(report.coverage?.count == PolicyKind.allCases.count)
        for policy in report.coverage ?? [] {
            #expect(policy.uncoveredLines.isEmpty, "\(policy.policy) uncovered: \(policy.uncoveredLines)")
        }
    }
}

/// Fixture folders beside this file (found through #filePath: no manifest resources needed).
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let lua = repository + "/lua"

    static func path(_ name: String) -> String { directory + "/" + name }

    static func run(_ name: String, filter: Regex<AnyRegexOutput>? = nil, coverage: Bool = false) -> PolicyTestReport {
        PolicyTestRunner(policiesDirectory: path(name), luaDirectory: lua).run(filter: filter, coverage: coverage)
    }
}
