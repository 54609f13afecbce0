import Testing
@testable import LuaRuntime

@Suite struct SandboxTests {
    static let forbiddenGlobals = ["io", "os", "require", "package", "load", "loadstring", "dofile", "loadfile",
                                   "debug", "collectgarbage", "print", "rawset", "coroutine", "_G"]

    @Test(arguments: forbiddenGlobals)
    func forbiddenGlobalIsAbsent(name: String) throws {
        // While loading an absent global reads as nil; after lock reading it is an error naming it.
        let state = try makeState("assert(\(name) == nil, 'present while loading')\nfunction probe() return \(name) end")
        let error = luaError { try state.call("probe") }
        #expect(error?.kind == .runtime)
        #expect(error?.message == "undeclared global '\(name)'")
        #expect(error?.line == 2)
        #expect(state.stackTop == 0)
    }

    @Test func forbiddenLibraryFieldsAreAbsentEverywhere() throws {
        let state = try makeState("""
        function probe()
          local via_meta = pcall(function() return getmetatable("").__index end)
          return {
            dump = string.dump == nil, method_dump = ("x").dump == nil,
            random = math.random == nil, randomseed = math.randomseed == nil,
            meta_hidden = getmetatable("") == false and not via_meta,
            pairs_dump = (function() for k in pairs(string) do if k == "dump" then return false end end return true end)(),
            upper = ("abc"):upper(), floor = math.floor(2.5), concat = table.concat({1, 2}, ","), len = utf8.len("é"),
          }
        end
        """)
        let result = try state.call("probe")
        for key in ["dump", "method_dump", "random", "randomseed", "meta_hidden", "pairs_dump"] {
            #expect(result[key] == .bool(true), "\(key)")
        }
        #expect(result["upper"] == "ABC")
        #expect(result["floor"] == 2)
        #expect(result["concat"] == "1,2")
        #expect(result["len"] == 1)
    }

    @Test func libraryTablesAndStringMetatableAreReadOnly() throws {
        let state = try makeState("""
        function modify_string() string.upper = function() return "pwned" end end
        function modify_meta() setmetatable("", {}) end
        function modify_env_meta() return setmetatable(_ENV, {}) end
        function upper() return ("a"):upper() end
        """)
        #expect(luaError { try state.call("modify_string") }?.message.contains("read-only table 'string'") == true)
        #expect(luaError { try state.call("modify_meta") } != nil)
        #expect(luaError { try state.call("modify_env_meta") }?.message.contains("protected metatable") == true)
        #expect(try state.call("upper") == "A")
        #expect(state.stackTop == 0)
    }

    @Test func finalizersAreRefused() throws {
        let state = try makeState("function probe() setmetatable({}, {__gc = function() end}) end")
        #expect(luaError { try state.call("probe") }?.message.contains("__gc") == true)
    }

    @Test func binaryChunkIsRefused() throws {
        let state = try LuaState()
        let error = luaError { try state.load(source: "\u{1b}Lua\u{54}\u{00}junk", chunkName: "bin.lua") }
        #expect(error?.kind == .syntax)
        #expect(error?.message.contains("binary") == true)
        #expect(state.stackTop == 0)
    }

    @Test func syntaxErrorCarriesChunkAndLine() throws {
        let state = try LuaState()
        let error = luaError { try state.load(source: "local x = 1\nx = = 2", chunkName: "broken.lua") }
        #expect(error?.kind == .syntax)
        #expect(error?.chunkName == "broken.lua")
        #expect(error?.line == 2)
        #expect(error?.description.hasPrefix("syntax: broken.lua:2: ") == true)
    }
}
