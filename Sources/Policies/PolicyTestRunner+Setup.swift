import Foundation
import LuaRuntime
import OracleCore

/// Builds the sandbox for one test: host helpers, the policy (its entry wrapped so every
/// result is checked against the contract), the test library, the test file, the harness.
struct TestSetup {
    let policy: PolicySource
    let library: String
    let libraryName: String
    let testText: String
    let testFile: String
    let limits: LuaLimits
    let servingLimits: LuaLimits

    /// Wraps the entry function so a result that breaks the contract fails the test, and tests
    /// see the result as the host does: converted to plain values and back (no metatables).
    private var contractWrapper: String {
        let entry = policy.kind.entryFunction
        return """
            local __raw_entry = \(entry)
            \(entry) = function(...)
              return __oracle_check_result((__oracle_isolated(__raw_entry, ...)))
            end
            function __oracle_case_names(name)
              local names = {}
              for i, c in ipairs(_ENV[name].__cases) do
                names[i] = type(c) == "table" and c.name or ("case " .. i)
              end
              return names
            end
            function __oracle_run_case(name, index)
              local t = _ENV[name]
              t.__run(t.__cases[index])
            end
            """
    }

    /// Lua cuts chunk names in messages to 59 bytes (LUA_IDSIZE), which would cut long paths
    /// mid-name; the sandbox therefore sees file names only, and ``resolve(_:)`` maps them back.
    private var aliases: [(alias: String, path: String)] {
        [policy.chunkName, libraryName, testFile].map { ((($0 as NSString).lastPathComponent), $0) }
    }

    private func alias(_ path: String) -> String { (path as NSString).lastPathComponent }

    /// `rollout_test.lua:12` → `policies/tests/rollout_test.lua:12`.
    func resolve(_ location: String?) -> String? {
        guard let location else { return nil }
        for (alias, path) in aliases where location == alias || location.hasPrefix(alias + ":") {
            return path + location.dropFirst(alias.count)
        }
        return location
    }

    /// A fixture is test data read into the test's state: bounded like everything else it reads.
    static let maxFixtureBytes = 256 << 10

    func makeState(coverage: Bool = false) throws -> LuaState {
        let kind = policy.kind
        let aliased = PolicySource(kind: kind, text: policy.text, chunkName: alias(policy.chunkName))
        let fixtures = ((testFile as NSString).deletingLastPathComponent as NSString).appendingPathComponent("fixtures")
        return try PolicyProgram.makeState(aliased, limits: servingLimits, prepare: { state in
            // The policy's main body (constants, function definitions) counts as covered code.
            state.isCoverageEnabled = coverage
        }, extend: { state in
            // The harness, the test library and the test file live in a layer of their own: the
            // policy can neither see them nor replace anything they use.
            try state.pushLayer()
            state.limits = limits
            try state.registerIsolatedCaller("__oracle_isolated")
            state.register("__oracle_check_result", errorPrefix: "\(kind.entryFunction)() broke its contract",
                           firstArgument: "result") { args in
                let result = args.first ?? .nil
                do {
                    try kind.validate(result)
                } catch {
                    throw LuaError(.runtime, "\(error)")
                }
                return result
            }
            state.register("fixture") { args in
                guard let name = args.first?.stringValue, !name.contains("/"), !name.contains("..") else {
                    throw LuaError(.runtime, "expects a file name in \(fixtures), e.g. fixture(\"metrics.json\")")
                }
                let path = (fixtures as NSString).appendingPathComponent(name)
                // Read through the opened descriptor (a file swapped after a check cannot get in),
                // and small: the decoded table is pushed outside the test's memory cap.
                let text: String
                do {
                    text = try PolicyFile.read(path, limit: Self.maxFixtureBytes)
                } catch {
                    throw LuaError(.runtime, "cannot read fixture: \(error)")
                }
                return try LuaHelpers.jsonDecode(text)
            }
            try state.load(source: contractWrapper, chunkName: "(oracle test harness)")
            try state.load(source: library, chunkName: alias(libraryName))
            try state.load(source: testText, chunkName: alias(testFile))
        })
    }

    func declaredTests() throws -> [PolicyTestRunner.Declared] {
        let state = try makeState()
        defer { state.close() }
        var declared: [PolicyTestRunner.Declared] = state.globalFunctionNames(withPrefix: "test_").map { .function($0) }
        declared += state.globalFunctionNames(withPrefix: "todo_").map { .todo($0) }
        for name in state.globalTableNames(withPrefix: "test_") {
            let names = try state.call("__oracle_case_names", [.string(name)]).arrayValue ?? []
            declared.append(.cases(name, names.map { $0.stringValue ?? "case" }))
        }
        return declared.sorted { $0.name < $1.name }
    }

    /// Runs one test in a fresh state; `timedOut` is set when it failed on its time limit.
    func run(name: String, caseIndex: Int?, coverage: Bool, into covered: inout Set<Int>, timedOut: inout Bool) -> PolicyTestResult {
        let start = ContinuousClock.now
        func result(_ status: PolicyTestResult.Status, _ message: String? = nil, _ location: String? = nil) -> PolicyTestResult {
            PolicyTestResult(file: testFile, name: name, status: status, message: message, location: resolve(location),
                             durationMs: (ContinuousClock.now - start).milliseconds)
        }
        let state: LuaState
        do {
            state = try makeState(coverage: coverage)
        } catch {
            let (message, location) = PolicyTestRunner.failure(error, limits: limits)
            return result(.failed, message, location)
        }
        defer { state.close() }
        state.isCoverageEnabled = coverage
        do {
            if let caseIndex {
                _ = try state.call("__oracle_run_case", [.string(name), .integer(Int64(caseIndex))])
            } else {
                _ = try state.call(name)
            }
            collect(state, into: &covered)
            return result(.passed)
        } catch {
            collect(state, into: &covered)
            timedOut = (error as? LuaError)?.kind == .timeout
            let (message, location) = PolicyTestRunner.failure(error, limits: limits)
            return result(.failed, message, location)
        }
    }

    private func collect(_ state: LuaState, into covered: inout Set<Int>) {
        for line in state.coveredLines where line.chunkName == alias(policy.chunkName) { covered.insert(line.line) }
    }
}
