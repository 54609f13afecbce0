import CLua
import CLuaHost
import Testing
@testable import LuaRuntime

/// The sandbox's string.find/match/gmatch/gsub are the project's own (Sources/CLuaHost/pattern.c,
/// so every matcher step is charged); they must behave exactly as Lua 5.4's stock ones. This
/// runs both on a generated corpus of subjects and patterns — including malformed patterns,
/// captures, back references, %b, %f, anchors and every replacement kind — and compares the
/// results, or the error messages, value by value.
@Suite struct PatternEquivalenceTests {
    static let harness = #"""
    local ours, stock = ...
    local seed = 12345
    local function rand(n) seed = (seed * 1103515245 + 12345) % 2147483648 return seed % n + 1 end
    local SUBJECT = { "a", "b", "c", "(", ")", ".", " ", "%", "-", "[", "]", "^", "$", "1", "_", "\0", "A", "\n" }
    local ATOMS = { ".", "a", "b", "c", "%a", "%d", "%s", "%w", "%p", "%l", "%u", "%x", "%c", "%g", "%A", "%S", "%z",
      "[ab]", "[^a]", "[a-c]", "[%a_]", "[%]]", "[]]", "[^]", "[a-]", "%b()", "%b", "%f[%w]", "%f[%s]", "%fa",
      "(", ")", "()", "(a)", "(a*)", "%1", "%2", "%0", "*", "+", "-", "?", "^", "$", "%", "[", "]", "%%", "%.", "%(", "\0" }
    local function subject()
      local t = {}
      for i = 1, rand(13) - 1 do t[i] = SUBJECT[rand(#SUBJECT)] end
      return table.concat(t)
    end
    local function pattern()
      local t = {}
      for i = 1, rand(6) do t[i] = ATOMS[rand(#ATOMS)] end
      return table.concat(t)
    end
    local function show(ok, ...)
      local n = select("#", ...)
      local parts = { tostring(ok), tostring(n) }
      for i = 1, n do
        local v = select(i, ...)
        parts[#parts + 1] = type(v) .. ":" .. tostring(v)
      end
      return table.concat(parts, "|")
    end
    local function iterate(lib, s, p, init)
      local ok, iterator = pcall(lib.gmatch, s, p, init)
      if not ok then return "error:" .. tostring(iterator) end
      local out = {}
      for i = 1, 40 do
        local r = table.pack(pcall(iterator))
        if not r[1] then out[#out + 1] = "error:" .. tostring(r[2]) break end
        if r[2] == nil then break end
        out[#out + 1] = show(table.unpack(r, 1, r.n))
      end
      return table.concat(out, ";")
    end
    local REPLACEMENTS = { "<%0>", "%1", "%%", "x%2y", "%", "%a", "", 7,
      { a = "A", ["("] = false, b = 3 }, function(x, y) if x == "a" then return nil end return (y or x) .. "!" end,
      function() return {} end }
    local mismatches, checked = {}, 0
    local function compare(what, a, b, s, p)
      checked = checked + 1
      if a ~= b and #mismatches < 10 then
        mismatches[#mismatches + 1] = string.format("%s(%q, %q): ours %s, stock %s", what, s, p, a, b)
      end
    end
    for _ = 1, 20000 do
      local s, p = subject(), pattern()
      local init = ({ nil, 1, 2, -1, -3, 0, 20 })[rand(7)]
      compare("find", show(pcall(ours.find, s, p, init)), show(pcall(stock.find, s, p, init)), s, p)
      compare("find plain", show(pcall(ours.find, s, p, init, true)), show(pcall(stock.find, s, p, init, true)), s, p)
      compare("match", show(pcall(ours.match, s, p, init)), show(pcall(stock.match, s, p, init)), s, p)
      compare("gmatch", iterate(ours, s, p, init), iterate(stock, s, p, init), s, p)
      local repl = REPLACEMENTS[rand(#REPLACEMENTS)]
      local max = ({ nil, 0, 1, 2 })[rand(4)]
      compare("gsub", show(pcall(ours.gsub, s, p, repl, max)), show(pcall(stock.gsub, s, p, repl, max)), s, p)
    end
    return { checked = checked, mismatches = mismatches }
    """#

    @Test func ourMatcherAgreesWithTheStockOne() throws {
        let state = try LuaState(limits: LuaLimits(instructionBudget: Int.max / 4, memoryLimitBytes: 256 << 20, timeout: nil))
        let L = try #require(state.handle)
        let harness = Self.harness
        try state.load(source: "function run() return compare_all(string, stock_string) end", chunkName: "run.lua")
        // The stock library, fresh from liblua, next to the sandbox's (a test-only global; opening
        // it also points the string metatable at it, which matters to no one in this state).
        try state.setGlobal("stock_string", .nil)
        lua_rawgeti(L, clua_registryindex(), lua_Integer(state.globalsRef))
        _ = luaopen_string(L)
        lua_setfield(L, -2, "stock_string")
        lua_settop(L, 0)
        state.register("compare_all") { _ in .nil }  // replaced below by the Lua harness
        try state.load(source: "compare_all = function(ours, stock) return (function(...) \(harness) end)(ours, stock) end",
                       chunkName: "harness.lua")
        state.lock()
        let result = try state.call("run")
        #expect(result["checked"] == 100_000)
        #expect(result["mismatches"]?.arrayValue ?? [] == [], "\(result["mismatches"] ?? .nil)")
    }
}
