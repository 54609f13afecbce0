import Testing
@testable import LuaRuntime

/// Calls cannot see or leave state from earlier calls: what a policy built while loading is
/// frozen, the upvalues its functions captured are put back after every call, and no library
/// table can be reached or changed.
@Suite struct PurityTests {
    /// A sealed state, as the policy host builds one.
    func sealed(_ source: String) throws -> LuaState {
        let state = try LuaState()
        try state.load(source: source, chunkName: "policy.lua")
        try state.seal()
        state.lock()
        return state
    }

    @Test func anUpvalueCounterCannotMakeEqualInputsDiffer() throws {
        let state = try sealed("""
            local count = 0
            function decide(ctx)
              count = count + 1
              return { n = count }
            end
            """)
        for _ in 0..<3 {
            let error = luaError { try state.call("decide", [[:]]) }
            #expect(error?.kind == .impure)
            #expect(error?.message.contains("'count'") == true)
            #expect(error?.chunkName == "policy.lua")
            #expect(error?.line == 2)
        }
    }

    @Test(arguments: ["0.0", "-0.0", "5.0"])
    func aNumberOfAnotherKindIsAChangeToo(replacement: String) throws {
        // rawequal calls 0, 0.0 and -0.0 (and 5, 5.0) equal, but math.type and 1/x tell them apart.
        let state = try sealed("""
            local mark = \(replacement == "5.0" ? "5" : "0")
            function decide() local seen = math.type(mark) .. tostring(1 / mark) mark = \(replacement) return { seen = seen } end
            """)
        let error = luaError { try state.call("decide") }
        #expect(error?.kind == .impure)
        #expect(error?.message.contains("'mark'") == true)
    }

    @Test func aFailingCallLeavesNoStateEither() throws {
        let state = try sealed("""
            local seen = 0
            function decide(ctx)
              seen = seen + 1
              if ctx.fail then error("boom") end
              return { seen = seen }
            end
            """)
        #expect(luaError { try state.call("decide", [["fail": true]]) }?.message == "boom")
        // The failed call's change was put back, so this call's own change is the only one.
        #expect(luaError { try state.call("decide", [[:]]) }?.kind == .impure)
    }

    @Test func tablesBuiltWhileLoadingAreFrozen() throws {
        let state = try sealed("""
            local hoard = {}
            LIMITS = { p1 = 0.25, levels = { "P0", "P1" } }
            function decide(ctx)
              if ctx.write == "hoard" then hoard[#hoard + 1] = string.rep("x", 1000) end
              if ctx.write == "global" then LIMITS.p1 = 0 end
              if ctx.write == "nested" then table.insert(LIMITS.levels, "P2") end
              if ctx.write == "meta" then setmetatable(LIMITS, {}) end
              return { p1 = LIMITS.p1, levels = #LIMITS.levels, hoard = #hoard }
            end
            """)
        for write in ["hoard", "global", "nested"] {
            let error = luaError { try state.call("decide", [["write": .string(write)]]) }
            #expect(error?.message.contains("cannot modify a table the policy built while loading") == true, "\(write)")
        }
        #expect(luaError { try state.call("decide", [["write": "meta"]]) }?.message.contains("protected metatable") == true)
        #expect(try state.call("decide", [[:]]) == ["p1": 0.25, "levels": 2, "hoard": 0])
    }

    @Test func frozenTablesReadAsBefore() throws {
        let state = try sealed("""
            local LIST = { "a", "b", "c" }
            local MAP = { x = 1, y = 2 }
            local Class = {}
            Class.__index = Class
            function Class.name() return "instance" end
            local object = setmetatable({}, Class)
            function decide()
              local keys = {}
              for k in pairs(MAP) do keys[#keys + 1] = k end
              table.sort(keys)
              local n = 0
              for _, v in ipairs(LIST) do n = n + #v end
              local firstKey = next(LIST)
              return {
                len = #LIST, concat = table.concat(LIST, ","), unpacked = select("#", table.unpack(LIST)),
                keys = table.concat(keys, ","), n = n, raw = rawget(MAP, "x"), rawlen = rawlen(LIST),
                first = firstKey, name = object.name(), missing = MAP.z == nil,
              }
            end
            """)
        #expect(try state.call("decide") == [
            "len": 3, "concat": "a,b,c", "unpacked": 3, "keys": "x,y", "n": 3, "raw": 1, "rawlen": 3,
            "first": 1, "name": "instance", "missing": true,
        ])
        #expect(try state.call("decide")["len"] == 3)
    }

    @Test func aGmatchIteratorMadeWhileLoadingIsRefused() throws {
        // Its position lives in C, where neither freezing nor the upvalue check can see it.
        let state = try LuaState()
        try state.load(source: #"local it = ("abc"):gmatch(".") function decide() return { c = it() } end"#, chunkName: "policy.lua")
        let error = luaError { try state.seal() }
        #expect(error?.message.contains("gmatch iterator made while loading") == true)
    }

    @Test func addressesAndGarbageAreOutOfSight() throws {
        // Both depend on what earlier calls allocated: a channel from one call to the next.
        let state = try sealed("""
            local Named = { __name = "Point" }
            local Shown = { __tostring = function() return "shown" end }
            function probe()
              return {
                table = tostring({}), func = tostring(probe), named = tostring(setmetatable({}, Named)),
                shown = tostring(setmetatable({}, Shown)), number = tostring(1.5), text = tostring("x"),
                weak = select(2, pcall(setmetatable, {}, { __mode = "k" })),
              }
            end
            """)
        let result = try state.call("probe")
        #expect(result["table"] == "table")
        #expect(result["func"] == "function")
        #expect(result["named"] == "Point")
        #expect(result["shown"] == "shown")
        #expect(result["number"] == "1.5")
        #expect(result["text"] == "x")
        #expect(result["weak"]?.stringValue?.contains("weak tables (__mode) are not allowed") == true)
    }

    @Test func classesBuiltWhileLoadingStillMakeInstancesInCalls() throws {
        // Lua looks metamethods up raw in a metatable; freezing leaves those fields in place.
        let state = try sealed("""
            local Point = {}
            Point.__index = Point
            Point.__tostring = function(p) return "(" .. p.x .. ")" end
            Point.__eq = function(a, b) return a.x == b.x end
            function Point.new(x) return setmetatable({ x = x }, Point) end
            function Point:double() return Point.new(self.x * 2) end
            function decide(ctx)
              local p = Point.new(ctx.x)
              if ctx.tamper then Point.__index = function() return function() return "tampered" end end end
              return { text = tostring(p:double()), same = Point.new(1) == Point.new(1) }
            end
            """)
        #expect(try state.call("decide", [["x": 2]]) == ["text": "(4)", "same": true])
        let error = luaError { try state.call("decide", [["x": 2, "tamper": true]]) }
        #expect(error?.kind == .impure)
        #expect(error?.message.contains("'__index'") == true)
        // Put back: the next call sees the class as it loaded.
        #expect(try state.call("decide", [["x": 3]]) == ["text": "(6)", "same": true])
    }

    @Test func theCollectorCannotCarryAMarkFromOneCallToTheNext() throws {
        // __mode set after setmetatable still makes a weak table; how much allocation it took
        // for its entry to go depended on the garbage the previous call left (531 - 10 * w).
        // The collector no longer runs during a call, so the answer cannot depend on it.
        let state = try sealed("""
            local function phase()
              local mt = {}
              local t = setmetatable({}, mt)
              mt.__mode = "k"
              t[{}] = true
              local n = 0
              while next(t) ~= nil and n < 2000 do local x = { n } n = n + 1 end
              return n
            end
            function decide(ctx)
              local n = phase()
              for i = 1, ctx.garbage do local x = { i } end
              return { n = n }
            end
            """)
        for garbage in [0, 100, 300, 500, 0] {
            #expect(try state.call("decide", [["garbage": .integer(Int64(garbage))]]) == ["n": 2000])
        }
    }

    @Test func garbageIsCollectedBetweenCalls() throws {
        let state = try sealed("""
            function decide() local t = {} for i = 1, 20 do t[i] = ("x"):rep(1000):rep(100) .. i end return { n = #t } end
            """)
        _ = try state.call("decide")
        #expect(state.memoryBytes < 1 << 20, "an idle state holds no garbage of its last call")
    }

    @Test func reassigningTheEnvironmentIsImpure() throws {
        let state = try sealed("""
            function decide()
              local before = type(string)
              _ENV = { type = function() return "mine" end }
              return { before = before }
            end
            """)
        #expect(luaError { try state.call("decide") }?.kind == .impure)
        #expect(luaError { try state.call("decide") }?.kind == .impure)
    }

    @Test func noLibraryTableCanBeReached() throws {
        let state = try sealed("""
            function probe()
              local iterator, lib = pairs(string)
              local ok = pcall(function() string.format = nil end)
              local count = 0
              for k, v in pairs(math) do count = count + 1 end
              return { lib = lib == nil, write = not ok, count = count > 10, format = type(string.format),
                       next = next(string) ~= nil, raw = type(rawget(table, "concat")) }
            end
            """)
        #expect(try state.call("probe") == ["lib": true, "write": true, "count": true, "format": "function",
                                             "next": true, "raw": "function"])
    }

    @Test(arguments: ["error", "pcall", "string", "type", "pairs", "bucket", "tostring"])
    func builtInsCannotBeReplacedWhileLoading(name: String) throws {
        let state = try LuaState()
        let error = luaError { try state.load(source: "\(name) = function() return true end", chunkName: "trojan.lua") }
        #expect(error?.message == "cannot replace built-in '\(name)'")
        #expect(error?.chunkName == "trojan.lua")
    }

    @Test func aHigherLayerSeesTheLowerOneButNotTheOtherWayRound() throws {
        let state = try LuaState()
        try state.load(source: "function decide() return { helper = type(expect_eq) } end", chunkName: "policy.lua")
        try state.seal()
        try state.pushLayer()
        try state.load(source: "function expect_eq() end\nfunction test_it() return { seen = type(decide) } end", chunkName: "test.lua")
        state.lock()
        #expect(try state.call("test_it") == ["seen": "function"])
        // The policy's own code looks the name up in its own layer only: undeclared there.
        #expect(luaError { try state.call("decide") }?.message == "undeclared global 'expect_eq'")
        #expect(state.globalFunctionNames(withPrefix: "test_") == ["test_it"])
        #expect(state.hasFunction("decide"))
    }
}
