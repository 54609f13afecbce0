import Foundation
import OracleCore

/// A client's JSON object body kept as its bytes, with where each top-level member lies, so it
/// can be forwarded upstream with a few members replaced (`model`, `stream`) and everything
/// else (fields this build has never heard of included) copied byte for byte: nothing is
/// re-encoded, numbers keep every digit, unknown fields pass through.
///
/// Built from bytes that already parsed as JSON (``init(validJSON:)`` only finds members, it
/// does not validate); one pass also measures the nesting depth, which callers bound.
///
/// ```swift
/// let body = try #require(OpenAIRequestBody(validJSON: Array(#"{"model":"x","seed":7}"#.utf8)))
/// body.names == ["model", "seed"]; String(decoding: body.value("seed")!, as: UTF8.self) == "7"
/// ```
public struct OpenAIRequestBody: Sendable, Equatable {
    public struct Member: Sendable, Equatable {
        public var name: String
        /// From the key's opening quote to the value's last byte: `"seed":7`.
        public var member: Range<Int>
        public var value: Range<Int>
    }

    public let bytes: [UInt8]
    /// The same body, parsed (the HTTP layer has it already): what Gemini's mapping reads.
    public let fields: [String: JSONValue]
    public let members: [Member]
    /// Deepest nesting of objects and arrays; the body itself is 1.
    public let depth: Int

    /// nil when the bytes are not a JSON object. `fields` is the body parsed, when the caller has it.
    public init?(validJSON bytes: [UInt8], fields: [String: JSONValue]? = nil) {
        var scanner = Scanner(bytes: bytes)
        guard let members = scanner.topLevelMembers(),
              let fields = fields ?? (try? JSONDecoder().decode([String: JSONValue].self, from: Data(bytes))) else { return nil }
        self.bytes = bytes
        self.fields = fields
        self.members = members
        depth = scanner.maxDepth
    }

    public var names: [String] { members.map(\.name) }

    /// The raw JSON text of member `name`'s value.
    public func value(_ name: String) -> ArraySlice<UInt8>? {
        members.first(where: { $0.name == name }).map { bytes[$0.value] }
    }

    /// Writes the body's members into the object `json` is writing, except `replaced`, which the
    /// caller writes itself.
    public func writeMembers(into json: inout JSONWriter, except replaced: Set<String>) {
        for member in members where !replaced.contains(member.name) {
            json.rawMember(bytes[member.member])
        }
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var maxDepth = 0

        mutating func topLevelMembers() -> [Member]? {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
            index += 1
            maxDepth = 1
            var members: [Member] = []
            while true {
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: "}") { return members }
                if bytes[index] == UInt8(ascii: ",") { index += 1; skipSpace() }
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
                let keyStart = index
                skipString()
                let name = Self.name(bytes[keyStart..<index])
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                skipSpace()
                let valueStart = index
                skipValue()
                members.append(Member(name: name, member: keyStart..<index, value: valueStart..<index))
            }
        }

        /// From an opening quote to just past its closing quote.
        mutating func skipString() {
            index += 1
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\\"): index += 2
                case UInt8(ascii: "\""): index += 1; return
                default: index += 1
                }
            }
        }

        mutating func skipValue() {
            guard index < bytes.count else { return }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var level = 0
                while index < bytes.count {
                    switch bytes[index] {
                    case UInt8(ascii: "\""):
                        skipString()
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["):
                        level += 1
                        maxDepth = max(maxDepth, level + 1)
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        level -= 1
                        if level == 0 { index += 1; return }
                    default:
                        break
                    }
                    index += 1
                }
            default:
                while index < bytes.count {
                    switch bytes[index] {
                    case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D: return
                    default: index += 1
                    }
                }
            }
        }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        /// A key's text; escapes (rare in keys) are read by the JSON decoder.
        static func name(_ quoted: ArraySlice<UInt8>) -> String {
            let inner = quoted.dropFirst().dropLast()
            if !inner.contains(UInt8(ascii: "\\")) { return String(decoding: inner, as: UTF8.self) }
            return (try? JSONDecoder().decode(String.self, from: Data(quoted))) ?? String(decoding: inner, as: UTF8.self)
        }
    }
}

