import Testing
@testable import LuaRuntime

/// A corpus of hostile Lua: each attack runs as a call and as a chunk's main body, and must be
/// stopped by a limit (or refused with a clear error) instead of holding its thread. Before the
/// library charged its work, most of these ran for seconds to forever in a handful of VM
/// instructions, out of reach of the count hook.
@Suite struct HostileCodeTests {
    /// How an attack must end.
    enum Outcome: Sendable, CustomStringConvertible {
        /// Stopped by the instruction budget, the time limit or the memory cap.
        case stopped
        /// Refused with a runtime error whose message contains this text.
        case refused(String)

        var description: String {
            switch self {
            case .stopped: "stopped by a limit"
            case .refused(let text): "refused: \(text)"
            }
        }
    }

    struct Attack: Sendable, CustomTestStringConvertible {
        var name: String
        var body: String
        var outcome: Outcome
        var testDescription: String { name }
    }

    static let attacks: [Attack] = [
        Attack(name: "rep of an empty string a billion times", body: #"return string.rep("", 1e9)"#, outcome: .stopped),
        Attack(name: "rep of an empty string maxinteger times", body: #"return string.rep("", math.maxinteger)"#, outcome: .stopped),
        Attack(name: "rep with an empty separator", body: #"return ("").rep("", math.maxinteger, "")"#, outcome: .stopped),
        Attack(name: "rep of a big string", body: #"return string.rep("x", 8e6)"#, outcome: .refused("resulting string too large")),
        Attack(name: "many reps below the string limit", body: #"for i = 1, 1e6 do local _ = string.rep("x", 2e5) end"#, outcome: .stopped),
        Attack(name: "backtracking find .-.-.-b", body: #"return ("a"):rep(400):find(".-.-.-b")"#, outcome: .stopped),
        Attack(name: "exponential a*a*...b", body: #"return string.find(("a"):rep(16), ("a*"):rep(16) .. "b")"#, outcome: .stopped),
        Attack(name: "exponential match", body: #"return string.match(("a"):rep(24), ("a-"):rep(12) .. "b")"#, outcome: .stopped),
        Attack(name: "exponential gsub", body: #"return (("a"):rep(24)):gsub(("a*"):rep(12) .. "b", "")"#, outcome: .stopped),
        Attack(name: "exponential gmatch", body: #"for m in (("a"):rep(24)):gmatch(("a*"):rep(12) .. "b") do end"#, outcome: .stopped),
        Attack(name: "balanced match from every position", body: #"return (("("):rep(2e5)):find("%b()")"#, outcome: .stopped),
        Attack(name: "frontier scan repeated", body: #"local s = ("a"):rep(2e5) for i = 1, 1e6 do s:find("%f[b]") end"#, outcome: .stopped),
        Attack(name: "plain find worst case", body: #"local s = ("a"):rep(2e5) return s:find(("a"):rep(1e5) .. "b", 1, true)"#, outcome: .stopped),
        Attack(name: "back reference over a long capture", body: #"local s = ("a"):rep(2e5) for i = 1, 1e6 do s:find("(a+)%1b") end"#, outcome: .stopped),
        Attack(name: "concat over an __index that is a C function",
               body: #"return table.concat(setmetatable({}, {__index = tostring}), "", 1, 1e9)"#, outcome: .stopped),
        Attack(name: "concat with a lying __len",
               body: #"return table.concat(setmetatable({}, {__len = function() return math.maxinteger end}))"#,
               outcome: .refused("tables with a __len metamethod are not supported")),
        Attack(name: "move of nils across the integers", body: #"return table.move({}, 1, 1e15, 1, {})"#, outcome: .stopped),
        Attack(name: "move of maxinteger elements", body: #"return table.move({}, math.mininteger, math.maxinteger, 1)"#, outcome: .stopped),
        Attack(name: "unpack a million values", body: ##"return select("#", table.unpack({}, 1, 1e6))"##, outcome: .refused("too many results")),
        Attack(name: "insert at the front of a long list",
               body: #"local t = {} for i = 1, 1e5 do t[i] = i end for i = 1, 1e5 do table.insert(t, 1, i) end"#, outcome: .stopped),
        Attack(name: "remove from the front of a long list",
               body: #"local t = {} for i = 1, 1e5 do t[i] = i end for i = 1, 1e5 do table.remove(t, 1) end"#, outcome: .stopped),
        Attack(name: "sort a long list again and again",
               body: #"local t = {} for i = 1, 1e5 do t[i] = -i end for i = 1, 1e4 do table.sort(t) end"#, outcome: .stopped),
        Attack(name: "byte over a long string", body: ##"return select("#", string.byte(("x"):rep(2e5), 1, -1))"##, outcome: .refused("string slice too long")),
        Attack(name: "codepoint over a long string", body: #"return utf8.codepoint(("x"):rep(2e5), 1, -1)"#, outcome: .refused("string slice too long")),
        Attack(name: "utf8.len in a loop", body: #"local s = ("x"):rep(2e5) for i = 1, 1e7 do utf8.len(s) end"#, outcome: .stopped),
        Attack(name: "tonumber in a loop", body: #"local s = ("1"):rep(2e5) for i = 1, 1e7 do tonumber(s) end"#, outcome: .stopped),
        Attack(name: "string doubling", body: #"local s = "x" for i = 1, 40 do s = s .. s end return #s"#, outcome: .stopped),
        Attack(name: "copying concatenation", body: #"local s = ("x"):rep(2e5) for i = 1, 1e8 do local _ = s .. "y" end"#, outcome: .stopped),
        Attack(name: "long string comparisons", body: #"""
            local a, b = ("x"):rep(2e5), ("x"):rep(2e5 - 1) .. "y"
            for i = 1, 1e9 do local _ = a == b or a < b end
            """#, outcome: .stopped),
        Attack(name: "format of a long string", body: #"local s = ("x"):rep(2e5) for i = 1, 1e8 do local _ = ("%s%s"):format(s, s) end"#, outcome: .stopped),
        Attack(name: "gsub growing its result", body: #"return (("x"):rep(1e5)):gsub(".", function(c) return c:rep(100) end)"#, outcome: .stopped),
        Attack(name: "pack format too long", body: #"return string.pack(("i"):rep(1e5), 1)"#, outcome: .refused("format string too long")),
        Attack(name: "sort of long strings of NUL bytes", body: #"""
            local z = ("\0"):rep(262000) local t = {} for i = 1, 1000 do t[i] = z end table.sort(t)
            """#, outcome: .stopped),
        Attack(name: "sort of plain long strings", body: #"""
            local t = {} for i = 1, 2000 do t[i] = ("x"):rep(2e5 - i) end table.sort(t)
            """#, outcome: .stopped),
        Attack(name: "a set scanned from every position", body: #"""
            local set = "[" .. ("a"):rep(2e5) .. "]" local s = ("b"):rep(2e5) return s:find(set)
            """#, outcome: .stopped),
        Attack(name: "remove across all the integers through a lying __len", body: #"""
            return table.remove(setmetatable({}, {__len = function() return math.maxinteger end}), math.mininteger)
            """#, outcome: .refused("tables with a __len metamethod are not supported")),
        Attack(name: "insert with a __len that answers twice differently", body: #"""
            local c = 0
            local t = setmetatable({}, {__len = function() c = c + 1 return c == 1 and 2 or math.maxinteger // 2 end})
            table.insert(t, 1, "x")
            """#, outcome: .refused("tables with a __len metamethod are not supported")),
        Attack(name: "sort with a __len that answers twice differently", body: #"""
            local c = 0
            local t = setmetatable({}, {__len = function() c = c + 1 return c == 1 and 2 or 2147483646 end})
            table.sort(t, math.type)
            """#, outcome: .refused("tables with a __len metamethod are not supported")),
        Attack(name: "concat across all the integers", body: #"""
            return table.concat(setmetatable({}, {__index = function() return "" end}), "", math.mininteger, math.maxinteger)
            """#, outcome: .stopped),
        Attack(name: "table bomb", body: #"local t = {} for i = 1, 1e9 do t[i] = {} end"#, outcome: .stopped),
        Attack(name: "infinite loop", body: #"while true do end"#, outcome: .stopped),
        Attack(name: "pcall swallowing library stops", body: #"while true do pcall(string.rep, "", 1e15) end"#, outcome: .stopped),
        Attack(name: "pcall swallowing memory errors", body: #"while true do pcall(string.rep, "x", 2e5) end"#, outcome: .stopped),
        Attack(name: "index chain loop", body: #"local t = setmetatable({}, {}) getmetatable(t).__index = t return t.x"#, outcome: .refused("'__index' chain too long")),
        Attack(name: "deep recursion", body: #"local function f(n) return f(n + 1) + 1 end return f(1)"#, outcome: .stopped),
    ]

    static let limits = LuaLimits(instructionBudget: 1_000_000, memoryLimitBytes: 16 << 20, timeout: .milliseconds(250))

    static func check(_ error: LuaError?, _ outcome: Outcome, _ name: String) {
        guard let error else {
            Issue.record("\(name): not stopped")
            return
        }
        switch outcome {
        case .stopped:
            #expect([.instructionBudgetExceeded, .timeout, .memoryLimitExceeded].contains(error.kind), "\(name): \(error)")
        case .refused(let text):
            #expect(error.message.contains(text), "\(name): \(error)")
        }
    }

    @Test(arguments: attacks)
    func attackInACallIsStopped(attack: Attack) throws {
        let state = try makeState("function attack()\n\(attack.body)\nend\nfunction small() return 1 end", limits: Self.limits)
        Self.check(luaError { try state.call("attack") }, attack.outcome, attack.name)
        // The state is left as it was: balanced, within its cap, serving the next call.
        #expect(state.stackTop == 0)
        #expect(state.memoryBytes < Self.limits.memoryLimitBytes)
        #expect(try state.call("small") == 1)
    }

    @Test(arguments: attacks)
    func attackInAMainBodyIsStopped(attack: Attack) throws {
        let state = try LuaState(limits: Self.limits)
        Self.check(luaError { try state.load(source: attack.body, chunkName: "main.lua") }, attack.outcome, attack.name)
        #expect(state.stackTop == 0)
    }

    @Test func aSourceLargerThanTheLimitIsNotCompiled() throws {
        // Compiling runs outside the call limits and a long chain of `or` compiles in quadratic
        // time (400 KB took 8 s): a chunk over the source limit is refused before the parser sees it.
        let chain = "local x = 1 local y = x" + String(repeating: " or x", count: 20_000)
        let state = try LuaState()
        let error = luaError { try state.load(source: chain, chunkName: "long.lua") }
        #expect(error?.kind == .syntax)
        #expect(error?.message.contains("a chunk may be at most 65536") == true)
        #expect(error?.chunkName == "long.lua")
    }

    @Test func theBudgetCountsLibraryWork() throws {
        // The same loop costs far more budget once each step copies 100 KB than when it does not.
        let state = try makeState("""
            function cheap() for i = 1, 100 do local _ = string.rep("x", 10) end end
            function dear() for i = 1, 100 do local _ = string.rep("x", 100000) end end
            """, limits: LuaLimits(instructionBudget: 100_000_000, hookGranularity: 1))
        _ = try state.call("cheap")
        let cheap = state.lastCallStats.instructions
        _ = try state.call("dear")
        let dear = state.lastCallStats.instructions
        #expect(dear > cheap + 100 * 100_000 / 32)
    }
}
