import Testing
@testable import LuaRuntime

@Suite struct CoverageTests {
    static let source = """
    local function helper(x)
      if x > 0 then
        return "positive"
      end
      return "other"
    end

    function decide(ctx)
      local r = helper(ctx.n)
      table.sort({ 3, 1 }, function(a, b)
        return a < b
      end)
      return r
    end
    """

    @Test func executableLinesCoverNestedFunctions() throws {
        let state = try LuaState()
        let lines = try state.executableLines(source: Self.source, chunkName: "cov.lua")
        #expect(lines.isSuperset(of: [2, 3, 5, 9, 10, 11, 13]))
        #expect(lines.isDisjoint(with: [7]))  // blank line
        #expect(luaError { try state.executableLines(source: "function (", chunkName: "bad.lua") }?.kind == .syntax)
        #expect(state.stackTop == 0)
    }

    @Test func lineCoverageRecordsExecutedLines() throws {
        let state = try LuaState()
        state.isCoverageEnabled = true
        try state.load(source: Self.source, chunkName: "cov.lua")
        state.lock()
        state.resetCoverage()
        #expect(try state.call("decide", [["n": 1]]) == "positive")
        let hit = Set(state.coveredLines.filter { $0.chunkName == "cov.lua" }.map(\.line))
        #expect(hit.isSuperset(of: [2, 3, 9, 10, 11, 13]))
        #expect(!hit.contains(5))
        let executable = try state.executableLines(source: Self.source, chunkName: "cov.lua")
        #expect(hit.isSubset(of: executable))
        state.isCoverageEnabled = false
        state.resetCoverage()
        _ = try state.call("decide", [["n": -1]])
        #expect(state.coveredLines.isEmpty)
    }
}
