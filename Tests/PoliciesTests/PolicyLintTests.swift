import Foundation
import Policies
import Testing
import TestSupport

@Suite struct PolicyLintTests {
    private func messages(_ source: String) -> [String] {
        PolicyLint.scan(source: source, file: "p.lua").map(\.description)
    }

    @Test func forbiddenGlobalsAreErrorsWithTheirLine() {
        let source = """
            local x = 1
            function decide(ctx)
              print(ctx)
              local t = os.time()
              return { enabled = math.random() < 0.5, blob = string.dump(decide), g = _G }
            end
            """
        #expect(messages(source) == [
            "p.lua:3: error: 'print' is not available in the policy sandbox",
            "p.lua:4: error: 'os' is not available in the policy sandbox",
            "p.lua:5: error: '_G' is not available in the policy sandbox",
            "p.lua:5: error: 'math.random' is not available in the policy sandbox",
            "p.lua:5: error: 'string.dump' is not available in the policy sandbox",
        ])
    }

    @Test func commentsStringsFieldsKeysAndLocalsAreNotUses() {
        let source = """
            -- print(os.time()) in a comment
            --[==[ require("io")
            ]==]
            local print = function(...) end
            local label = "os.exit() and io.write" .. 'load(x)' .. [[debug.traceback]]
            function decide(ctx, require)
              local t = { io = 1, os = ctx.os, debug = ctx:debug() }
              print(require, t.load, label)
              for _, dofile in ipairs({}) do end
              return { enabled = true, reason = "x" }
            end
            """
        #expect(messages(source) == [])
    }

    @Test func unknownGlobalReadsAreWarningsAndAssignmentsInFunctionsErrors() {
        let source = """
            THRESHOLD = 10
            function decide(ctx)
              counter = 1
              return { enabled = ctx.n > THRESHOLD + LIMIT, reason = helper(ctx) }
            end
            """
        #expect(messages(source) == [
            "p.lua:3: error: assigns global 'counter' inside a function: globals are read-only after load (use a local)",
            "p.lua:4: warning: reads global 'LIMIT', which the sandbox does not offer and the file does not define at top level (an error at run time)",
            "p.lua:4: warning: reads global 'helper', which the sandbox does not offer and the file does not define at top level (an error at run time)",
        ])
    }

    @Test func tableConstructorsWithFunctionsStillSeeAssignments() {
        let source = """
            local spec = { run = function(c) leaked = c end, n = 1 }
            """
        #expect(messages(source).first?.contains("assigns global 'leaked'") == true)
    }

    @Test func checkRunsCompileEntryAndContract() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("rollout.lua", "function decide(ctx) return { enabled = 1, reason = 'x' } end\n")
        try dir.write("severity.lua", "function classify(m)\n  return {\nend\n")
        try dir.write("cleanup.lua", "function other() end\n")
        try dir.write("helpers.lua", "local x = 1\n")
        #expect(try PolicyLint.check(file: dir.file("rollout.lua")).map(\.description) == [
            "\(dir.file("rollout.lua")): error: on a sample rollout input: sample input 1: result.enabled must be a boolean",
        ])
        let syntax = try PolicyLint.check(file: dir.file("severity.lua"))
        #expect(syntax.first?.line == 3)
        #expect(syntax.first?.severity == .error)
        #expect(try PolicyLint.check(file: dir.file("cleanup.lua")).first?.message
            == "does not define function plan (the entry point of cleanup.lua)")
        #expect(try PolicyLint.check(file: dir.file("helpers.lua")).first?.message.hasPrefix("not a policy file name") == true)
        #expect(throws: (any Error).self) { try PolicyLint.check(file: dir.file("missing.lua")) }
    }

    @Test func shippedPoliciesHaveNoProblems() throws {
        for kind in PolicyKind.allCases {
            let file = Fixture.repository + "/policies/" + kind.fileName
            #expect(try PolicyLint.check(file: file) == [], "\(file)")
        }
    }
}
