import Foundation
@testable import HTTPServer
import LLM
import OracleCore
@testable import Sessions
import Storage
import Testing

/// `/v1` answers (a chat completion, each streamed chunk) are written by hand; they must be the
/// bytes `JSONEncoder` writes for the same value, whatever the text holds and whichever fields
/// are missing.
@Suite struct OpenAIChatJSONTests {
    static let texts = ReplyBodyJSONTests.texts

    static func exchange(_ text: String, completion: Completion) throws -> ChatExchange {
        ChatExchange(userMessage: try ReplyBodyJSONTests.stored(["role": "user", "content": text, "sequence": 6]),
                     reply: try ReplyBodyJSONTests.stored(["content": text]), completion: completion)
    }

    static func completions(_ text: String) -> [Completion] {
        let usage = TokenUsage(promptTokens: 12, completionTokens: 5, totalTokens: 17, cachedTokens: 3)
        return [
            Completion(text: text, usage: usage, provider: "openai", model: "gpt-4o-mini"),
            Completion(text: text, usage: TokenUsage(), provider: "offline \"echo\"", model: text, finishReason: "length", isFallback: true),
            Completion(text: "", usage: usage, provider: "openai", model: "m", finishReason: "tool_calls",
                       toolCalls: [ToolCall(id: "call_1", name: "lookup", arguments: #"{"q":"\#(text)"}"#),
                                   ToolCall(id: "call_2", name: text, arguments: "")]),
            Completion(text: text, usage: usage, provider: "openai", model: "m", finishReason: "tool_calls",
                       toolCalls: [ToolCall(id: "c", name: "f", arguments: "{}")]),
        ]
    }

    static func expectSame(_ written: [UInt8], _ encoded: Data) {
        #expect(Data(written) == encoded, "\(String(decoding: written, as: UTF8.self).prefix(400))\n\(String(decoding: encoded, as: UTF8.self).prefix(400))")
    }

    @Test(arguments: texts)
    func completionMatchesEncoder(text: String) throws {
        for completion in Self.completions(text) {
            for exchange in [nil, try Self.exchange(text, completion: completion)] {
                let calls = completion.toolCalls.map(OpenAIToolCall.init)
                let body = OpenAIChatCompletion(
                    id: OpenAICallIdentity().id, created: 1_700_000_000, model: completion.model,
                    choices: [.init(message: .init(content: calls.isEmpty || !completion.text.isEmpty ? completion.text : nil,
                                                   toolCalls: calls.isEmpty ? nil : calls),
                                    finishReason: OpenAICallIdentity.finishReason(completion.finishReason))],
                    usage: OpenAIUsage(completion.usage),
                    oracle: OpenAIOracleInfo(completion, offline: exchange == nil, exchange: exchange))
                Self.expectSame(body.json(), try JSONResponse.encoder.encode(body))
            }
        }
    }

    @Test(arguments: texts)
    func chunkMatchesEncoder(text: String) throws {
        let completion = Self.completions(text)[0]
        let pieces = [ToolCallDelta(index: 0, id: "call_1", name: "lookup", arguments: text),
                      ToolCallDelta(index: 3, arguments: text), ToolCallDelta(index: 1, id: "x", arguments: "")]
        var chunks: [OpenAIChatChunk] = []
        for role in [nil, "assistant"] {
            for content in [nil, text] {
                chunks.append(.init(id: "chatcmpl-1", created: 5, model: text, choices: [.init(delta: .init(role: role, content: content))]))
            }
            for piece in pieces {
                chunks.append(.init(id: "chatcmpl-1", created: 5, model: "m",
                                    choices: [.init(delta: .init(role: role, toolCalls: [OpenAIToolCall(piece)]))]))
            }
        }
        var last = OpenAIChatChunk(id: "chatcmpl-2", created: 7, model: "m", choices: [.init(delta: .init(), finishReason: "stop")])
        chunks.append(last)
        last.oracle = OpenAIOracleInfo(completion, offline: false, exchange: try Self.exchange(text, completion: completion))
        chunks.append(last)
        last.oracle = OpenAIOracleInfo(completion, offline: true, exchange: nil)
        chunks.append(last)
        var usage = OpenAIChatChunk(id: "chatcmpl-3", created: 7, model: "m", choices: [])
        usage.usage = OpenAIUsage(completion.usage)
        chunks.append(usage)
        for chunk in chunks {
            Self.expectSame(chunk.json(), try JSONResponse.encoder.encode(chunk))
        }
    }

    /// The call's id is `chatcmpl-` and the 32 hex digits of a fresh UUID.
    @Test func callIDIsHexDigits() {
        let id = OpenAICallIdentity().id
        #expect(id.hasPrefix("chatcmpl-"))
        #expect(id.dropFirst(9).count == 32)
        #expect(id.dropFirst(9).allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(OpenAICallIdentity().id != id)
    }
}
