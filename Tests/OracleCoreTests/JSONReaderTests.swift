import Foundation
import OracleCore
import Testing

/// ``JSONReader`` reads request bodies in place of `JSONDecoder`: whatever it reads must be the
/// value `JSONDecoder` gives, and whatever it leaves (nil) goes to `JSONDecoder`, so
/// `JSONValue(json:)` always agrees with `JSONDecoder`, value or error.
@Suite struct JSONReaderTests {
    static func decoded(_ bytes: [UInt8]) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    /// Same value (a Double's sign too) or, for the combined reader, the same failure.
    static func expectAgrees(_ text: [UInt8], fastPath: Bool? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        let expected = decoded(text)
        let fast = JSONReader.read(text)
        let shown = String(decoding: text.prefix(200), as: UTF8.self)
        if let fast {
            #expect(fast == expected, "\(shown)", sourceLocation: sourceLocation)
            #expect(fast.signs == expected?.signs, "\(shown)", sourceLocation: sourceLocation)
        }
        if let fastPath { #expect((fast != nil) == fastPath, "fast path for \(shown)", sourceLocation: sourceLocation) }
        #expect((try? JSONValue(json: text)) == expected, "\(shown)", sourceLocation: sourceLocation)
        #expect((try? JSONValue(json: text))?.signs == expected?.signs, "\(shown)", sourceLocation: sourceLocation)
    }

    static let plain = [
        #"{"model":"gpt-4o","messages":[{"role":"user","content":"What is the answer?"}]}"#,
        #"{"model":"m","stream":true,"stream_options":{"include_usage":true},"temperature":0.7,"max_tokens":256,"n":1,"seed":-42}"#,
        " \t\r\n{ \"a\" : [ 1 , 2.5 , -3e2 , true , false , null , \"x\" , { } , [ ] ] } \n",
        #"{"escapes":"quote \" backslash \\ slash \/ b\b f\f n\n r\r t\t u\u00e9\u0000\u001f\u2028\uFFFF\u0041"}"#,
        #"{"unicode":"ünïcödé 漢字 👩‍🔬 עברית","ключ":"значение"}"#,
        #"{"numbers":[0,-0,1,-1,10,0.1,1.5,1e3,1E3,1e+3,1e-3,-2.5E-3,123456789012345,1234567890123456,12345678901234567890,9007199254740993,0.30000000000000004,1.7976931348623157e308,5e-324,2.2250738585072014e-308,4.9e-324,3e-324]}"#,
        #"{"tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object","properties":{"q":{"type":"string"}}}}}],"tool_choice":"auto"}"#,
        "\"top-level string\"", "42", "-0", "true", "false", "null", "[]", "{}", "[[[[[]]]]]",
        String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
    ]

    /// Left to JSONDecoder (which may read them, or refuse them).
    static let leftToDecoder = [
        "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "-", "1.", ".5", "1e", "+1", "0x10", "NaN", "Infinity",
        "1e400", "-1e400", "1e-400", "-1.5e-400", "0.0001e-340", "2e-324",
        // JSONDecoder reads some zeros written with a fraction or an exponent and refuses others (`0e5`).
        "0.0", "-0.0", "0e5", "0.000e5", "0e-400", "0E0", "tru", "nul", "[1 2]", "{\"a\":1}{", "{\"a\":1} x", "\"unterminated", "\"bad escape \\x\"",
        "\"raw \u{01} control\"", "\"raw\ttab\"", "\"lone \\ud800 surrogate\"", "\"pair \\ud83d\\ude00\"", "\"short \\u12\"",
        "{\"a\":1,\"a\":2}", "\u{FEFF}{\"a\":1}", "[1]]", "//comment\n{}", "'single'",
        String(repeating: "[", count: 200) + String(repeating: "]", count: 200),
        String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
    ]

    @Test(arguments: plain)
    func readsPlainDocumentsAsJSONDecoderDoes(text: String) {
        Self.expectAgrees(Array(text.utf8), fastPath: true)
    }

    @Test(arguments: leftToDecoder)
    func leavesTheRestToJSONDecoder(text: String) {
        Self.expectAgrees(Array(text.utf8), fastPath: false)
    }

    @Test func invalidUTF8AndOtherEncodings() {
        Self.expectAgrees([0x22, 0xFF, 0x22], fastPath: false)
        Self.expectAgrees([0x22, 0xC3, 0x22], fastPath: false)
        Self.expectAgrees([0x22, 0xED, 0xA0, 0x80, 0x22], fastPath: false)
        Self.expectAgrees([0x22, 0x5C, 0x6E, 0xE0, 0x80, 0x22], fastPath: false)
        Self.expectAgrees([UInt8](#"{"a":"b"}"#.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }), fastPath: false)
        Self.expectAgrees([0xEF, 0xBB, 0xBF] + Array(#"{"a":1}"#.utf8), fastPath: false)
    }

    /// Random documents, written with random spacing and escapes (numbers within Double's range):
    /// the reader reads them all, as JSONDecoder does.
    @Test func randomDocuments() {
        var random = SeededRandom(seed: 20_261_129)
        for _ in 0..<400 {
            var text: [UInt8] = []
            Self.document(depth: 0, into: &text, random: &random)
            Self.expectAgrees(text)
            #expect(JSONReader.read(text) != nil, "\(String(decoding: text.prefix(200), as: UTF8.self))")
        }
    }

    static func space(_ text: inout [UInt8], _ random: inout SeededRandom) {
        for _ in 0..<random.below(3) { text.append([0x20, 0x09, 0x0A, 0x0D][random.below(4)]) }
    }

    static func document(depth: Int, into text: inout [UInt8], random: inout SeededRandom) {
        space(&text, &random)
        switch depth > 4 ? random.below(5) : random.below(7) {
        case 0: text += Array(["true", "false", "null"][random.below(3)].utf8)
        case 1, 2: number(into: &text, random: &random)
        case 3, 4: string(into: &text, random: &random)
        case 5:
            text.append(UInt8(ascii: "["))
            for index in 0..<random.below(5) {
                if index > 0 { text.append(UInt8(ascii: ",")) }
                document(depth: depth + 1, into: &text, random: &random)
            }
            space(&text, &random)
            text.append(UInt8(ascii: "]"))
        default:
            text.append(UInt8(ascii: "{"))
            for index in 0..<random.below(5) {
                if index > 0 { text.append(UInt8(ascii: ",")) }
                space(&text, &random)
                // Distinct keys: repeated ones are JSONDecoder's to settle.
                text += Array("\"k\(index)_".utf8)
                text.append(UInt8(ascii: "a") + UInt8(random.below(26)))
                text += Array("\"".utf8)
                space(&text, &random)
                text.append(UInt8(ascii: ":"))
                document(depth: depth + 1, into: &text, random: &random)
            }
            space(&text, &random)
            text.append(UInt8(ascii: "}"))
        }
        space(&text, &random)
    }

    static func number(into text: inout [UInt8], random: inout SeededRandom) {
        var number = random.below(2) == 0 ? "-" : ""
        number += random.below(4) == 0 ? "0" : String(1 + random.below(9)) + String((0..<random.below(20)).map { _ in Character(String(random.below(10))) })
        // Zeros other than `0` are JSONDecoder's (see leftToDecoder): a fraction ends in a non-zero digit.
        if random.below(2) == 0 {
            number += "." + String((0..<random.below(12)).map { _ in Character(String(random.below(10))) }) + String(1 + random.below(9))
        }
        if random.below(3) == 0, number.last != "0" || number.contains(".") { number += ["e", "E", "e+", "e-", "E-"][random.below(5)] + String(random.below(280)) }
        text += Array(number.utf8)
    }

    static let pieces = ["a", "Z", " ", "ü", "漢", "👩‍🔬", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\b", "\\f", "\\r", "\\u00e9", "\\u0000",
                         "\\u20AC", "/", "'", "\u{7F}", "\u{2028}"]

    static func string(into text: inout [UInt8], random: inout SeededRandom) {
        text.append(UInt8(ascii: "\""))
        for _ in 0..<random.below(12) { text += Array(pieces[random.below(pieces.count)].utf8) }
        text.append(UInt8(ascii: "\""))
    }
}

/// A small deterministic generator (SplitMix64), so a failure shows again.
struct SeededRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

extension JSONValue {
    /// Every number's sign bit, in document order (`==` takes -0 for 0).
    var signs: [Bool] {
        switch self {
        case .number(let number): [number.sign == .minus]
        case .array(let items): items.flatMap(\.signs)
        case .object(let fields): fields.sorted { $0.key < $1.key }.flatMap(\.value.signs)
        default: []
        }
    }
}
