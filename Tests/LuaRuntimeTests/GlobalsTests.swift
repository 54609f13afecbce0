import Testing
@testable import LuaRuntime

@Suite struct GlobalsTests {
    static let source = """
    local limit = 10
    counter = 0
    function helper(x) return x * 2 end
    function decide(ctx) return { value = helper(ctx.n) } end
    function read_undeclared() return missing_value end
    function write_new() fresh = 1 end
    function write_existing() counter = counter + 1 end
    function test_one() end
    function test_two() end
    """

    @Test func globalsDefinedWhileLoadingAreCallable() throws {
        let state = try makeState(Self.source)
        #expect(try state.call("decide", [["n": 21]]) == ["value": 42])
        #expect(state.hasFunction("decide"))
        #expect(!state.hasFunction("limit"))
        #expect(!state.hasFunction("counter"))
        #expect(state.globalFunctionNames(withPrefix: "test_") == ["test_one", "test_two"])
        #expect(state.stackTop == 0)
    }

    @Test(arguments: [("read_undeclared", "undeclared global 'missing_value'", 5),
                      ("write_new", "cannot assign global 'fresh'", 6),
                      ("write_existing", "cannot assign global 'counter'", 7)])
    func lockedEnvironmentRejectsUndeclaredAccess(function: String, message: String, line: Int) throws {
        let state = try makeState(Self.source)
        let error = luaError { try state.call(function) }
        #expect(error?.kind == .runtime)
        #expect(error?.message.hasPrefix(message) == true)
        #expect(error?.chunkName == "test.lua")
        #expect(error?.line == line)
        #expect(state.stackTop == 0)
    }

    @Test func beforeLockGlobalsMayBeWritten() throws {
        let state = try LuaState()
        try state.load(source: "function bump() fresh = (fresh or 0) + 1 return fresh end", chunkName: "t.lua")
        #expect(try state.call("bump") == 1)
        state.lock()
        #expect(luaError { try state.call("bump") }?.message.contains("'fresh'") == true)
        #expect(luaError { try state.load(source: "x = 1", chunkName: "late.lua") } != nil)
    }

    @Test func missingFunctionIsTyped() throws {
        let state = try makeState(Self.source)
        #expect(luaError { try state.call("nope") }?.kind == .missingFunction)
        #expect(luaError { try state.call("counter") }?.kind == .missingFunction)
        #expect(state.stackTop == 0)
    }

    @Test func hostFunctionsAndGlobals() throws {
        let state = try LuaState()
        state.register("fixture") { args in
            guard args.first?.stringValue == "ctx" else { throw LuaError(.runtime, "no fixture named \(args.first ?? .nil)") }
            return try LuaHelpers.jsonDecode(#"{"session_id": "s-1", "settings": {"rollout_percentage": 50}}"#)
        }
        state.register("secret_failure") { _ in throw CancellationError() }
        try state.setGlobal("LIMIT", 7)
        try state.load(source: """
        function use_fixture() local c = fixture("ctx") return c.settings.rollout_percentage + LIMIT end
        function bad_fixture() return fixture("other") end
        function opaque() return secret_failure() end
        """, chunkName: "host.lua")
        state.lock()
        #expect(try state.call("use_fixture") == 57)
        let error = luaError { try state.call("bad_fixture") }
        #expect(error?.message == "fixture: no fixture named string(\"other\")")
        #expect(error?.line == 2)
        #expect(luaError { try state.call("opaque") }?.message == "secret_failure: host function failed")
        #expect(state.stackTop == 0)
    }

    @Test func closeIsSafeTwice() throws {
        let state = try makeState(Self.source)
        state.close()
        state.close()
        #expect(luaError { try state.call("decide", [["n": 1]]) }?.message == "Lua state is closed")
        #expect(state.stackTop == 0)
    }
}
