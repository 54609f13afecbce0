import Foundation
@testable import LLM
import OracleCore
import Testing

/// Upstream replies are read with ``JSONReader`` and picked apart by hand; the result must be
/// what `JSONDecoder` decodes (or refuses) for the same bytes, whatever the reply holds.
@Suite struct OpenAIWireReaderTests {
    static let replies = [
        #"{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"The answer is forty-two."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17,"prompt_tokens_details":{"cached_tokens":3}}}"#,
        #"{"choices":[{"message":{"content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{\"q\":\"x\"}"}},{"id":"call_2","function":{"name":"f"}}]},"finish_reason":"tool_calls"}]}"#,
        #"{"choices":[{"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}]}"#,
        #"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":""}}]}}]}"#,
        #"{"choices":[{"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"a\":"}}]}}]}"#,
        #"{"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":1,"total_tokens":10}}"#,
        #"{"choices":null,"usage":null,"error":null}"#,
        #"{"error":{"message":"Rate limit reached","type":"requests","code":429}}"#,
        #"{"error":{"message":"bad","code":null}}"#,
        "{}", #"{"unknown":{"deep":[1,2,{"x":null}]},"choices":[{"message":{"content":"ünïcödé 👩‍🔬 \n\t\"q\""},"extra":true}]}"#,
        #"{"usage":{"prompt_tokens":0,"completion_tokens":-1,"total_tokens":4503599627370496}}"#,
        // Numbers a whole-number field may or may not take: JSONDecoder decides.
        #"{"usage":{"prompt_tokens":12.0}}"#, #"{"usage":{"prompt_tokens":1e2}}"#, #"{"usage":{"prompt_tokens":12.5}}"#,
        #"{"usage":{"prompt_tokens":1e30}}"#, #"{"usage":{"prompt_tokens":9007199254740993}}"#, #"{"usage":{"prompt_tokens":-0}}"#,
        #"{"choices":[{"delta":{"tool_calls":[{"index":2.0}]}}]}"#, #"{"error":{"code":"rate_limit"}}"#,
        // Fields of another type: JSONDecoder refuses them.
        #"{"choices":{}}"#, #"{"choices":[null]}"#, #"{"choices":[{"message":"text"}]}"#, #"{"choices":[{"message":{"content":5}}]}"#,
        #"{"choices":[{"finish_reason":1}]}"#, #"{"usage":{"prompt_tokens":"12"}}"#, #"{"usage":{"prompt_tokens":true}}"#,
        #"{"choices":[{"message":{"tool_calls":{}}}]}"#, #"{"choices":[{"message":{"tool_calls":[{"function":"f"}]}}]}"#,
        "[]", "null", "\"text\"", "", "{", "not json", #"{"choices":[{"message":{"content":"a"}}],}"#,
        #"{"choices":[{"message":{"content":"a","content":"b"}}]}"#, #"{"choices":[{"message":{"content":"\ud83d\ude00"}}]}"#,
    ]

    @Test(arguments: replies)
    func readsRepliesAsJSONDecoderDoes(text: String) {
        let bytes = Array(text.utf8)
        let expected = try? JSONDecoder().decode(OpenAIWire.Response.self, from: Data(bytes))
        if let fast = JSONReader.read(bytes).flatMap(OpenAIWire.Response.init(reading:)) {
            #expect(fast == expected)
        }
        #expect((try? OpenAIWire.decode(bytes)) == expected)
    }

    /// The usual replies take the hand-written path (the point of it), not the decoder.
    @Test(arguments: replies.prefix(11))
    func usualRepliesAreReadByHand(text: String) {
        #expect(JSONReader.read(Array(text.utf8)).flatMap(OpenAIWire.Response.init(reading:)) != nil)
    }
}
