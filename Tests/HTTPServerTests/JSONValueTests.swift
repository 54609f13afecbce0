import Foundation
import HTTPServer
import OracleCore
import Testing

/// JSONValue reads any JSON document, and each value as its own type: `true` is not 1, "1" is
/// not a number.
@Suite struct JSONValueTests {
    @Test func readsEveryTypeAsItself() throws {
        let text = #"""
            {"s": "text", "t": true, "f": false, "n": 1, "x": -2.5e3, "z": null, "q": "1", "b": "true",
             "a": [1, "one", false, null, {"k": []}], "o": {"nested": {"deeper": ["x"]}}}
            """#
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        let expected: JSONValue = .object([
            "s": .string("text"), "t": .bool(true), "f": .bool(false), "n": .number(1), "x": .number(-2500), "z": .null,
            "q": .string("1"), "b": .string("true"),
            "a": .array([.number(1), .string("one"), .bool(false), .null, .object(["k": .array([])])]),
            "o": .object(["nested": .object(["deeper": .array([.string("x")])])]),
        ])
        #expect(value == expected)
        for (scalar, expected) in [("true", JSONValue.bool(true)), ("0", .number(0)), ("\"\"", .string("")), ("null", .null), ("[]", .array([]))] {
            #expect(try JSONDecoder().decode(JSONValue.self, from: Data(scalar.utf8)) == expected)
        }
    }
}
