#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import LuaRuntime

@Suite struct ConversionTests {
    static let source = """
    function echo(v) return v end
    function bad_target() return { notify = { { target = "ops" }, { target = function() end } } } end
    function mixed() return { 1, 2, name = "x" } end
    function sparse() return { [1] = "a", [3] = "c" } end
    function bool_key() return { [true] = 1 } end
    function cycle() local t = {} t.self = t return t end
    function deep() local t = {} local cur = t for i = 1, 100 do cur.next = {} cur = cur.next end return t end
    function shared() local leaf = {1, 2} local t = leaf for i = 1, 40 do t = { a = t, b = t } end return t end
    function empty() return {} end
    function types() return { i = 3, f = 2.5, big = 9007199254740993, neg = -1, s = "é", b = false } end
    """

    @Test(arguments: [
        LuaValue.nil, true, 42, -7, 2.5, "héllo", [1, 2, 3], ["a": 1, "b": ["c": [true, "x"]]],
        ["settings": ["use_persistent_sessions": true, "rollout_percentage": 50], "overrides": [:]],
        .integer(.max), .integer(.min),
    ])
    func roundTripsThroughLua(value: LuaValue) throws {
        let state = try makeState(Self.source)
        #expect(try state.call("echo", [value]) == value)
        #expect(state.stackTop == 0)
    }

    @Test func scalarTypesKeepIntegersIntegers() throws {
        let state = try makeState(Self.source)
        let result = try state.call("types")
        #expect(result == ["i": .integer(3), "f": .number(2.5), "big": .integer(9007199254740993), "neg": -1, "s": "é", "b": false])
    }

    @Test func emptyTableIsAnEmptyTableAndAnAcceptableArray() throws {
        let state = try makeState(Self.source)
        let result = try state.call("empty")
        #expect(result == .table([:]))
        #expect(result.arrayValue == [])
        #expect(result == .array([]))
        #expect(try state.call("echo", [.array([])]).tableValue == [:])
    }

    @Test(arguments: [
        ("bad_target", "result.notify[2].target: cannot convert a function"),
        ("mixed", "result: table mixes string keys and integer keys"),
        ("sparse", "result: integer keys are not a sequence 1..n (found key 3)"),
        ("bool_key", "result: unsupported key (boolean); use string keys or a sequence 1..n"),
        ("cycle", "result.self: table contains itself (cycle)"),
    ])
    func conversionErrorsNameThePath(function: String, message: String) throws {
        let state = try makeState(Self.source)
        let error = luaError { try state.call(function) }
        #expect(error?.kind == .conversion)
        #expect(error?.message == message)
        #expect(state.stackTop == 0)
    }

    @Test func deepAndExplodingValuesFailWithoutCrashing() throws {
        let state = try makeState(Self.source)
        #expect(luaError { try state.call("deep") }?.message.contains("nested deeper than 64") == true)
        #expect(luaError { try state.call("shared") }?.message.contains("larger than 65536 bytes") == true)
        let counted = try makeState(Self.source, limits: LuaLimits(maxResultBytes: 1 << 30))
        #expect(luaError { try counted.call("shared") }?.message.contains("more than 200000 values") == true)
        #expect(state.stackTop == 0)
    }

    @Test func aSharedStringCountsEveryTimeItAppears() throws {
        // 1 MiB of Lua memory, 100 MiB as JSON: refused by its encoded size, not its Lua size.
        let state = try makeState("""
            function fan_out() local s = ("x"):rep(200000) local t = {} for i = 1, 100 do t[i] = s end return t end
            function one_copy() return {("x"):rep(60000)} end
            """, limits: LuaLimits(maxStringBytes: 1 << 20))
        let error = luaError { try state.call("fan_out") }
        #expect(error?.kind == .conversion)
        #expect(error?.message.contains("larger than 65536 bytes") == true)
        #expect(try state.call("one_copy").arrayValue?.count == 1)
    }

    @Test func aSharedTreeOfEmptyTablesIsRefusedByItsSize() throws {
        let state = try makeState("function dag() local a = {} for i = 1, 30 do a = { a, a } end return { junk = a } end")
        let error = luaError { try state.call("dag") }
        #expect(error?.kind == .conversion)
        #expect(error?.message.contains("larger than 65536 bytes") == true)
    }

    @Test(arguments: ["0/0", "1/0", "-1/0", "math.huge"])
    func nonFiniteNumbersAreAConversionError(expression: String) throws {
        let state = try makeState("function probe() return { x = \(expression) } end")
        let error = luaError { try state.call("probe") }
        #expect(error?.kind == .conversion)
        #expect(error?.message.hasPrefix("result.x: number is") == true)
        #expect(error?.message.contains("JSON cannot represent") == true)
    }

    @Test func errorMessagesAreCut() throws {
        let state = try makeState(#"function shout() error(string.rep("E", 200000)) end"#, limits: LuaLimits(maxErrorBytes: 1024))
        let error = luaError { try state.call("shout") }
        #expect(error?.kind == .runtime)
        #expect(error.map { $0.message.utf8.count < 1200 } == true)
        #expect(error?.message.hasSuffix("(message cut: 200012 bytes)") == true)  // with its "test.lua:1: "
    }

    @Test func jsonIsPlainAndKeepsIntegers() throws {
        let value = try LuaHelpers.jsonDecode(#"{"n": 3, "x": 1.5, "list": [1, "a", null], "empty_object": {}, "empty_list": []}"#)
        #expect(value["n"] == .integer(3))
        #expect(value["x"] == .number(1.5))
        #expect(value["list"] == [1, "a", nil])
        #expect(value["empty_object"] == .table([:]))
        #expect(value["empty_list"]?.arrayValue == [])
        #expect(try LuaHelpers.jsonEncode(["b": 1, "a": [true, "x"]]) == #"{"a":[true,"x"],"b":1}"#)
        let state = try makeState(Self.source)
        // (a nil inside a list is a hole in Lua, so round-trip the rest)
        let echoed = try state.call("echo", [LuaHelpers.jsonDecode(#"{"n": 3, "x": 1.5, "list": [1, "a"], "empty_object": {}, "empty_list": []}"#)])
        #expect(echoed == ["n": 3, "x": 1.5, "list": [1, "a"], "empty_object": [:], "empty_list": []])
        #expect(try LuaHelpers.jsonDecode(LuaHelpers.jsonEncode(echoed)) == echoed)
        #expect(luaError { try LuaHelpers.jsonDecode("{") }?.kind == .conversion)
    }
}
