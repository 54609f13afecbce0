import Foundation
import LuaRuntime

/// Runs policy tests the way `opa test` runs Rego tests: every `test_*` function (and every
/// case of a `test_*` table built with `cases{...}`) in each `*_test.lua`, each in a fresh
/// sandbox — the one the server uses — with the policy under test and `lua/testing.lua` loaded.
/// `todo_*` functions are reported as skipped. A test that errors, loops or exhausts memory
/// fails with a clear message; the runner never hangs.
///
/// ```swift
/// let runner = PolicyTestRunner(policiesDirectory: "policies", luaDirectory: "lua")
/// let report = runner.run()
/// print(report.summaryLine)   // "121 passed, 0 failed"
/// ```
public struct PolicyTestRunner: Sendable {
    public var policiesDirectory: String
    public var luaDirectory: String
    /// Limits of each test (a test may call its policy thousands of times).
    public var limits: LuaLimits
    /// Limits the policy's main body loads under in every test: those it has when it serves,
    /// so a file the server would refuse to load fails its tests too, and fast.
    public var servingLimits: LuaLimits
    /// The longest a whole run may take: each test is bounded, their number is not (15 cases
    /// just under the 2 s limit each held a reload, and shutdown behind it, for 26 s). Tests not
    /// started by then are not run and the run fails. Nil: no bound. Ten times a test's own
    /// limit, at least 20 s: a configuration that gives each test longer (a loaded test machine)
    /// gives the run longer too.
    public var timeLimit: Duration?

    /// The least a test gets in budget, time, error messages and source size, whatever the
    /// serving limits (``LuaLimits/forTests(atLeast:)``).
    public static let testMinimum = LuaLimits(timeout: .seconds(2), maxErrorBytes: 64 << 10, maxSourceBytes: 256 << 10)
    /// What `oracle-chat policy test` uses: the default serving limits, raised for tests.
    public static let testLimits = LuaLimits().forTests(atLeast: testMinimum)

    public init(policiesDirectory: String, luaDirectory: String, limits: LuaLimits = PolicyTestRunner.testLimits,
                servingLimits: LuaLimits = LuaLimits()) {
        self.policiesDirectory = policiesDirectory
        self.luaDirectory = luaDirectory
        self.limits = limits
        self.servingLimits = servingLimits
        self.timeLimit = max(.seconds(20), (limits.timeout ?? .zero) * 10)
    }

    /// Test files under `directory` (recursively), sorted.
    public static func discover(in directory: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if relative.hasSuffix("_test.lua") { files.append((directory as NSString).appendingPathComponent(relative)) }
        }
        return files.sorted()
    }

    /// Runs every discovered test file; `candidate` replaces the file of its policy (used by
    /// live reload to test a version before activating it).
    /// `stopAtFirstFailure` ends the run at the first failed test (activation only needs to know
    /// whether every test passes, and a hostile file must not cost every test's time limit).
    public func run(
        files: [String]? = nil, filter: Regex<AnyRegexOutput>? = nil, coverage: Bool = false,
        candidate: PolicySource? = nil, stopAtFirstFailure: Bool = false
    ) -> PolicyTestReport {
        var results: [PolicyTestResult] = []
        var covered: [String: Set<Int>] = [:]
        var sources: [String: String] = [:]
        var loaded: [PolicyTestFileInfo] = []
        let deadline = timeLimit.map { ContinuousClock.now + $0 }
        for file in files ?? Self.discover(in: policiesDirectory) {
            let outcome = runFile(file, filter: filter, coverage: coverage, candidate: candidate,
                                  stopAtFirstFailure: stopAtFirstFailure, deadline: deadline)
            results += outcome.results
            loaded.append(outcome.loaded)
            if let policy = outcome.policy {
                sources[policy.chunkName] = policy.text
                covered[policy.chunkName, default: []].formUnion(outcome.coveredLines)
            }
        }
        var report = PolicyTestReport(results: results)
        report.files = loaded
        if coverage {
            report.coverage = sources.keys.sorted().map { chunk in
                let executable = (try? executableLines(source: sources[chunk]!, chunkName: chunk)) ?? []
                let hit = covered[chunk, default: []].intersection(executable)
                return PolicyCoverage(policy: chunk, coveredLines: hit.count, totalLines: executable.count,
                                      uncoveredLines: executable.subtracting(hit).sorted())
            }
        }
        return report
    }

    /// The tests of one policy only (for activation of a candidate version).
    public func runTests(of candidate: PolicySource) -> PolicyTestReport? {
        let file = ((policiesDirectory as NSString).appendingPathComponent("tests") as NSString)
            .appendingPathComponent(candidate.kind.testFileName)
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        return run(files: [file], candidate: candidate, stopAtFirstFailure: true)
    }

    /// Lines with code, except lines that only close a block (`end`, `}`): Lua puts a
    /// function's implicit final return on its `end`, which never runs when every path returns
    /// explicitly, so counting it would make full coverage unreachable (luacov skips them too).
    private func executableLines(source: String, chunkName: String) throws -> Set<Int> {
        let state = try LuaState(limits: limits)
        defer { state.close() }
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        return try state.executableLines(source: source, chunkName: chunkName).filter { number in
            guard number >= 1, number <= lines.count else { return true }
            return lines[number - 1].wholeMatch(of: Self.closingOnly) == nil
        }
    }

    private nonisolated(unsafe) static let closingOnly = /\s*(end|[)}\]])[\s,;)}\]]*(--.*)?\r?/
}
