import Foundation
import Hummingbird
import HummingbirdTesting
import LLM
import Testing
import TestSupport

/// The whole chat-completions contract over real HTTP to a ``FakeUpstream``: fields pass through
/// (or map to Gemini's, or are refused by name), tool calls go both ways, whole and streamed.
@Suite struct OpenAIContractTests {
    static let path = "/v1/chat/completions"
    static let weather = FakeToolCall(id: "call_weather_1", name: "get_weather", arguments: #"{"city":"Paris","unit":"c"}"#)
    static let tools = #"[{"type":"function","function":{"name":"get_weather","description":"Weather now","parameters":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string"}},"required":["city"],"additionalProperties":false}}}]"#

    static func upstreamJSON(_ request: FakeUpstreamRequest) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])
    }

    @Test func unknownAndSamplingFieldsReachAnOpenAIUpstreamExactly() async throws {
        try await withUpstreamApp { client, app in
            let body = #"{"model":"gpt-4o","messages":[{"role":"user","content":"hi","name":"ann"}],"stop":["END","\n\n"],"seed":9007199254740993,"top_p":0.25,"presence_penalty":-0.5,"logit_bias":{"50256":-100},"user":"u-1","x_future_field":{"nested":[1,2.50,{"deep":true}]},"max_completion_tokens":40}"#
            let response = try await client.post(Self.path, body)
            #expect(response.status == .ok)
            let sent = try #require(app.upstream.requests.first).body
            // Byte for byte, numbers keep every digit: nothing was decoded and re-encoded.
            for member in [#""stop":["END","\n\n"]"#, #""seed":9007199254740993"#, #""top_p":0.25"#, #""presence_penalty":-0.5"#,
                           #""logit_bias":{"50256":-100}"#, #""user":"u-1""#, #""x_future_field":{"nested":[1,2.50,{"deep":true}]}"#,
                           #""messages":[{"role":"user","content":"hi","name":"ann"}]"#, #""max_completion_tokens":40"#] {
                #expect(sent.contains(member), "\(member) reached the upstream as sent")
            }
            let json = try Self.upstreamJSON(try #require(app.upstream.requests.first))
            #expect(json["model"] as? String == "fake-gpt", "only model (and stream) replaced")
            #expect(json["stream"] as? Bool == false)
            #expect(json.count == 11, "nothing added, nothing lost: \(json.keys.sorted())")
        }
    }

    @Test(arguments: [false, true])
    func twoTurnToolLoopOnTheOpenAIWire(streamed: Bool) async throws {
        try await withUpstreamApp { client, app in
            app.upstream.toolCalls = [Self.weather]
            let first = try await client.post(Self.path, #"{"model":"m","stream":\#(streamed),"tools":\#(Self.tools),"tool_choice":"auto","parallel_tool_calls":false,"messages":[{"role":"user","content":"weather in Paris?"}]}"#)
            #expect(first.status == .ok)
            let call = try Self.toolCall(in: first, streamed: streamed)
            #expect(call.id == Self.weather.id && call.name == "get_weather" && call.arguments == Self.weather.arguments)
            #expect(try Self.finishReason(first, streamed: streamed) == "tool_calls")
            let sentTools = try Self.upstreamJSON(app.upstream.requests[0])
            #expect((sentTools["tools"] as? [[String: Any]])?.count == 1 && sentTools["tool_choice"] as? String == "auto")
            #expect(sentTools["parallel_tool_calls"] as? Bool == false)

            let second = try await client.post(Self.path, #"{"model":"m","stream":\#(streamed),"tools":\#(Self.tools),"messages":[{"role":"user","content":"weather in Paris?"},{"role":"assistant","content":null,"tool_calls":[{"id":"\#(call.id)","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\",\"unit\":\"c\"}"}}]},{"role":"tool","tool_call_id":"\#(call.id)","content":"21 C and sunny"}]}"#)
            #expect(second.status == .ok, "\(second.text)")
            #expect(try Self.text(second, streamed: streamed) == "Tool said: 21 C and sunny")
            #expect(try Self.finishReason(second, streamed: streamed) == "stop")
            let messages = try #require(try Self.upstreamJSON(app.upstream.requests[1])["messages"] as? [[String: Any]])
            #expect(messages[1]["content"] is NSNull && (messages[1]["tool_calls"] as? [Any])?.count == 1)
            #expect(messages[2]["role"] as? String == "tool" && messages[2]["tool_call_id"] as? String == call.id)
        }
    }

    @Test(arguments: [false, true])
    func twoTurnToolLoopOnGemini(streamed: Bool) async throws {
        try await withUpstreamApp(.gemini) { client, app in
            app.upstream.toolCalls = [Self.weather]
            let first = try await client.post(Self.path, #"{"stream":\#(streamed),"tools":\#(Self.tools),"tool_choice":{"type":"function","function":{"name":"get_weather"}},"messages":[{"role":"user","content":"weather?"}]}"#)
            #expect(first.status == .ok, "\(first.text)")
            let call = try Self.toolCall(in: first, streamed: streamed)
            #expect(call.id.hasPrefix("call_") && call.name == "get_weather")
            #expect(try JSONSerialization.jsonObject(with: Data(call.arguments.utf8)) as? [String: String] == ["city": "Paris", "unit": "c"])
            #expect(try Self.finishReason(first, streamed: streamed) == "tool_calls")
            let asked = try Self.upstreamJSON(app.upstream.requests[0])
            let declaration = try #require(((asked["tools"] as? [[String: Any]])?.first?["functionDeclarations"] as? [[String: Any]])?.first)
            #expect(declaration["name"] as? String == "get_weather" && declaration["description"] as? String == "Weather now")
            #expect((declaration["parametersJsonSchema"] as? [String: Any])?["additionalProperties"] as? Bool == false)
            let calling = (asked["toolConfig"] as? [String: Any])?["functionCallingConfig"] as? [String: Any]
            #expect(calling?["mode"] as? String == "ANY" && calling?["allowedFunctionNames"] as? [String] == ["get_weather"])

            let second = try await client.post(Self.path, #"{"stream":\#(streamed),"tools":\#(Self.tools),"messages":[{"role":"user","content":"weather?"},{"role":"assistant","content":null,"tool_calls":[{"id":"\#(call.id)","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},{"role":"tool","tool_call_id":"\#(call.id)","content":"{\"temp\":21}"}]}"#)
            #expect(second.status == .ok, "\(second.text)")
            #expect(try Self.text(second, streamed: streamed) == #"Tool said: {"temp":21}"#)
            let contents = try #require(try Self.upstreamJSON(app.upstream.requests[1])["contents"] as? [[String: Any]])
            let functionCall = ((contents[1]["parts"] as? [[String: Any]])?.first?["functionCall"]) as? [String: Any]
            #expect(contents[1]["role"] as? String == "model" && functionCall?["name"] as? String == "get_weather")
            #expect(functionCall?["args"] as? [String: String] == ["city": "Paris"])
            let response = ((contents[2]["parts"] as? [[String: Any]])?.first?["functionResponse"]) as? [String: Any]
            #expect(response?["name"] as? String == "get_weather" && response?["id"] as? String == call.id)
            #expect(response?["response"] as? [String: Int] == ["temp": 21])
        }
    }

    @Test func geminiGetsTheGenerationFieldsMapped() async throws {
        try await withUpstreamApp(.gemini) { client, app in
            let body = #"{"messages":[{"role":"user","content":"json please"}],"stop":"END","seed":7,"top_p":0.5,"presence_penalty":0.25,"frequency_penalty":-0.5,"max_completion_tokens":64,"temperature":0.1,"user":"u","response_format":{"type":"json_schema","json_schema":{"name":"person","strict":true,"schema":{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}}}}"#
            let response = try await client.post(Self.path, body)
            #expect(response.status == .ok, "\(response.text)")
            let first = try #require(app.upstream.requests.first)
            let config = try #require(try Self.upstreamJSON(first)["generationConfig"] as? [String: Any])
            #expect(config["stopSequences"] as? [String] == ["END"])
            #expect(config["seed"] as? Int == 7 && config["topP"] as? Double == 0.5 && config["maxOutputTokens"] as? Int == 64)
            #expect(config["presencePenalty"] as? Double == 0.25 && config["frequencyPenalty"] as? Double == -0.5)
            #expect(config["temperature"] as? Double == 0.1)
            #expect(config["responseMimeType"] as? String == "application/json")
            #expect(((config["responseJsonSchema"] as? [String: Any])?["required"]) as? [String] == ["name"])
            _ = try await client.post(Self.path, #"{"messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"},"tool_choice":"none","tools":\#(Self.tools)}"#)
            let second = try Self.upstreamJSON(app.upstream.requests[1])
            #expect((second["generationConfig"] as? [String: Any])?["responseMimeType"] as? String == "application/json")
            #expect(((second["toolConfig"] as? [String: Any])?["functionCallingConfig"] as? [String: Any])?["mode"] as? String == "NONE")
        }
    }

    @Test(arguments: [#""logit_bias":{"1":5}"#, #""logprobs":true"#, #""x_unknown":1"#, #""n":2"#, #""parallel_tool_calls":false"#])
    func aFieldGeminiCannotHonourIsRefusedByName(member: String) async throws {
        try await withUpstreamApp(.gemini) { client, app in
            let response = try await client.post(Self.path, #"{"messages":[{"role":"user","content":"x"}],\#(member)}"#)
            #expect(response.status == .badRequest)
            let error = try #require(response.json["error"] as? [String: Any])
            let name = String(member.dropFirst().prefix(while: { $0 != "\"" }))
            #expect(error["param"] as? String == name, "\(response.text)")
            #expect(error["type"] as? String == "invalid_request_error")
            #expect(app.upstream.requestCount == 0, "refused before the upstream")
        }
    }

    @Test func boundsAreEnforced() async throws {
        try await withUpstreamApp { client, app in
            var nested = "1"
            for _ in 0..<OpenAIChatRequestBounds.depth { nested = "[\(nested)]" }
            let deep = try await client.post(Self.path, #"{"messages":[{"role":"user","content":"x"}],"x":\#(nested)}"#)
            #expect(deep.status == .badRequest && deep.text.contains("deep"), "\(deep.text)")
            let manyTools = "[" + Array(repeating: #"{"type":"function","function":{"name":"f"}}"#, count: OpenAIChatRequestBounds.tools + 1).joined(separator: ",") + "]"
            let tools = try await client.post(Self.path, #"{"messages":[{"role":"user","content":"x"}],"tools":\#(manyTools)}"#)
            #expect((tools.json["error"] as? [String: Any])?["param"] as? String == "tools")
            let manyMessages = Array(repeating: #"{"role":"user","content":"x"}"#, count: OpenAIChatRequestBounds.messages + 1).joined(separator: ",")
            let messages = try await client.post(Self.path, #"{"messages":[\#(manyMessages)]}"#)
            #expect((messages.json["error"] as? [String: Any])?["param"] as? String == "messages")
            #expect(app.upstream.requestCount == 0)
            // Just inside every bound goes through.
            nested = "1"
            for _ in 0..<(OpenAIChatRequestBounds.depth - 2) { nested = "[\(nested)]" }
            let inside = try await client.post(Self.path, #"{"messages":[{"role":"user","content":"x"}],"x":\#(nested)}"#)
            #expect(inside.status == .ok, "\(inside.text)")
        }
    }

    @Test func anOversizeUpstreamAnswerIsABadGateway() async throws {
        try await withUpstreamApp(.openAI, ["LLM_MAX_ATTEMPTS": "1"]) { client, app in
            app.upstream.enqueue(.oversizeBody(bytes: 9 << 20))
            let response = try await client.post(Self.path, #"{"messages":[{"role":"user","content":"x"}]}"#)
            #expect(response.status == .badGateway, "\(response.text.prefix(300))")
        }
    }

    @Test func toolFieldsAreRefusedWithASession() async throws {
        try await withUpstreamApp { client, _ in
            let session = try await client.createSession()
            let response = try await client.post(Self.path, #"{"messages":[{"role":"user","content":"x"}],"tools":\#(Self.tools)}"#,
                                                 headers: [.init("X-Session-ID")!: session])
            #expect(response.status == .badRequest)
            #expect((response.json["error"] as? [String: Any])?["param"] as? String == "tools")
        }
    }

    @Test(arguments: [UpstreamApp.Wire.openAI, .gemini])
    func embeddingsPassThrough(wire: UpstreamApp.Wire) async throws {
        try await withUpstreamApp(wire) { client, app in
            let response = try await client.post("/v1/embeddings", #"{"model":"text-embedding-3-small","input":["abc","hello"],"dimensions":3,"x_extra":true}"#)
            #expect(response.status == .ok, "\(response.text)")
            let data = try #require(response.json["data"] as? [[String: Any]])
            #expect(data.map { $0["embedding"] as? [Double] } == [[3, 0.5, -1], [5, 0.5, -1]])
            #expect(data.map { $0["index"] as? Int } == [0, 1])
            let sent = try #require(app.upstream.requests.first)
            switch wire {
            case .openAI:
                #expect(sent.path == "/v1/embeddings")
                #expect(sent.body == #"{"model":"text-embedding-3-small","input":["abc","hello"],"dimensions":3,"x_extra":true}"#, "as sent")
            case .gemini:
                #expect(sent.path.hasSuffix("/models/text-embedding-3-small:batchEmbedContents"))
                let requests = try #require(try Self.upstreamJSON(sent)["requests"] as? [[String: Any]])
                #expect(requests.count == 2 && requests[0]["outputDimensionality"] as? Int == 3)
                let base64 = try await client.post("/v1/embeddings", #"{"model":"m","input":"abc","encoding_format":"base64"}"#)
                let encoded = try #require((base64.json["data"] as? [[String: Any]])?.first?["embedding"] as? String)
                let floats = try #require(Data(base64Encoded: encoded)).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                #expect(floats == [3, 0.5, -1])
            }
        }
    }

    @Test func unknownPathsAndMethodsAnswerInOpenAIShape() async throws {
        try await withUpstreamApp { client, _ in
            let unknown = try await client.post("/v1/responses", #"{"model":"m","input":"hi"}"#)
            #expect(unknown.status == .notFound)
            let error = try #require(unknown.json["error"] as? [String: Any])
            #expect(error["type"] as? String == "invalid_request_error" && (error["message"] as? String)?.contains("/v1/responses") == true)
            let wrongMethod = try await client.get(Self.path)
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect((wrongMethod.json["error"] as? [String: Any])?["type"] as? String == "invalid_request_error")
        }
    }

    // MARK: reading answers

    static func toolCall(in response: TestResponse, streamed: Bool) throws -> ToolCall {
        guard streamed else {
            let message = try #require((response.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])
            #expect(message["content"] is NSNull, "content is null when the model only calls tools")
            let call = try #require((message["tool_calls"] as? [[String: Any]])?.first)
            #expect(call["type"] as? String == "function")
            let function = try #require(call["function"] as? [String: Any])
            return ToolCall(id: try #require(call["id"] as? String), name: try #require(function["name"] as? String),
                            arguments: try #require(function["arguments"] as? String))
        }
        var id: String?, name: String?, arguments = ""
        for chunk in response.sseObjects {
            let delta = (chunk["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any]
            for piece in delta?["tool_calls"] as? [[String: Any]] ?? [] {
                #expect(piece["index"] as? Int == 0)
                id = id ?? piece["id"] as? String
                let function = piece["function"] as? [String: Any]
                name = name ?? function?["name"] as? String
                arguments += function?["arguments"] as? String ?? ""
            }
        }
        #expect(response.sseData.last == "[DONE]")
        return ToolCall(id: try #require(id), name: try #require(name), arguments: arguments)
    }

    static func text(_ response: TestResponse, streamed: Bool) throws -> String {
        guard streamed else {
            return try #require(((response.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String)
        }
        return response.sseObjects.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String }.joined()
    }

    static func finishReason(_ response: TestResponse, streamed: Bool) throws -> String? {
        guard streamed else { return (response.json["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String }
        return response.sseObjects.compactMap { ($0["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String }.last
    }
}

/// The request bounds, as the tests cross them.
enum OpenAIChatRequestBounds {
    static let depth = 64
    static let tools = 128
    static let messages = 4096
}
