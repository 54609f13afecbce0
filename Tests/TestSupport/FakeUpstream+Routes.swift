import Foundation
import Hummingbird
import OracleCore

/// The two wire formats and the faults, as ``FakeUpstream`` plays them.
extension StateBox {
    private typealias FieldName = HTTPFields.Element.Name

    private enum Wire { case gemini, openAI }

    func respond(to request: Request) async throws -> Response {
        let buffer = try await request.body.collect(upTo: 4 << 20)
        let body = String(buffer: buffer)
        let path = request.uri.description
        let recorded = FakeUpstreamRequest(
            method: request.method.rawValue, path: path,
            headers: request.headers.map { ($0.name.canonicalName.lowercased(), $0.value) }, body: body
        )
        let (fault, replyText, usage, toolCalls) = state.withLock { state in
            state.requestCount += 1
            if state.recordsRequests { state.requests.append(recorded) }
            let fault = state.faults.isEmpty ? nil : state.faults.removeFirst()
            return (fault, state.replyText, state.usage, state.toolCalls)
        }
        // A webhook receiver for notifier tests: records the POST, answers 200 (or a queued status).
        if request.uri.path.hasSuffix("/hook") {
            if case .status(let code, _, _)? = fault { return Self.json(code, "{}") }
            return Self.json(200, #"{"ok":true}"#)
        }
        // A PagerDuty Events API v2 receiver: accepted events answer 202, as PagerDuty does.
        if request.uri.path.hasSuffix("/v2/enqueue") {
            if case .status(let code, _, _)? = fault { return Self.json(code, "{}") }
            return Self.json(202, #"{"status":"success","message":"Event processed"}"#)
        }
        if request.method == .get { return try await modelLookup(path: request.uri.path, fault: fault) }
        if request.uri.path.hasSuffix("/embeddings") || request.uri.path.hasSuffix(":batchEmbedContents") {
            if case .status(let code, let errorBody, _)? = fault {
                return Self.json(code, errorBody.isEmpty ? #"{"error":{"code":\#(code),"message":"fake upstream error \#(code)"}}"# : errorBody)
            }
            return Self.json(200, Self.embeddings(body, gemini: request.uri.path.hasSuffix(":batchEmbedContents")))
        }
        let wire: Wire
        let streaming: Bool
        if request.uri.path.hasSuffix(":generateContent") {
            (wire, streaming) = (.gemini, false)
        } else if request.uri.path.hasSuffix(":streamGenerateContent") {
            (wire, streaming) = (.gemini, true)
        } else if request.uri.path.hasSuffix("/chat/completions") {
            (wire, streaming) = (.openAI, Self.contains(body, Self.streamTrue))
        } else {
            return Self.json(404, #"{"error":{"code":404,"message":"no such route"}}"#)
        }
        let toolOutput = Self.lastToolOutput(body, wire: wire)
        let calls = toolOutput == nil ? toolCalls : []
        let text = toolOutput.map { "Tool said: \($0)" } ?? replyText ?? "Echo: \(Self.lastUserMessage(body, wire: wire))"
        let pieces = Self.pieces(of: text)

        switch fault {
        case .status(let code, let errorBody, let headers)?:
            var response = Self.json(code, errorBody.isEmpty ? #"{"error":{"code":\#(code),"message":"fake upstream error \#(code)"}}"# : errorBody)
            for (name, value) in headers { response.headers[FieldName(name)!] = value }
            return response
        case .rateLimited(let retryAfter)?:
            var response = Self.json(429, #"{"error":{"code":429,"message":"rate limited"}}"#)
            response.headers[FieldName("Retry-After")!] = retryAfter
            return response
        case .rateLimitedMilliseconds(let millis)?:
            var response = Self.json(429, #"{"error":{"code":429,"message":"rate limited"}}"#)
            response.headers[FieldName("retry-after-ms")!] = "\(millis)"
            return response
        case .geminiRetryInfo(let delay)?:
            return Self.json(429, #"{"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.Help"},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"\#(delay)"}]}}"#)
        case .slowFirstByte(let delay)?:
            try await pause(for: delay)
        case .malformedJSON?:
            return streaming ? Self.sse(["data: {\"candidates\": [oops\n\n"]) : Self.json(200, #"{"candidates": [{"content": "#)
        case .oversizeBody(let bytes)?:
            return Self.json(200, String(repeating: "x", count: bytes))
        case .stall, .resetMidStream, nil:
            break
        }

        if !calls.isEmpty {
            return Self.toolCallAnswer(calls, wire: wire, streaming: streaming, usage: usage)
        }
        guard streaming else {
            return Self.json(200, wire == .gemini ? Self.geminiJSON(text: text, usage: usage, final: true)
                                                  : Self.openAIJSON(text: text, usage: usage))
        }
        var events: [String]
        switch wire {
        case .gemini:
            events = pieces.enumerated().map { index, piece in
                "data: \(Self.geminiJSON(text: piece, usage: usage, final: index == pieces.count - 1))\r\n\r\n"
            }
        case .openAI:
            events = pieces.map { "data: \(Self.openAIChunk(delta: $0))\n\n" }
            events.append(": keep-alive comment\n\n")
            events.append("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n")
            events.append("data: {\"choices\":[],\"usage\":\(Self.openAIUsage(usage))}\n\n")
            events.append("data: [DONE]\n\n")
        }
        switch fault {
        case .stall(let after, let duration)?:
            return Self.sse(Array(events.prefix(after)), then: { [self] in try await pause(for: duration) })
        case .resetMidStream(let after)?:
            return Self.sse(Array(events.prefix(after)), then: { throw FakeUpstreamError(description: "connection reset by fault") })
        default:
            return Self.sse(events)
        }
    }

    /// A model lookup, or the status, delay or stall a fault asks for (other faults answer normally).
    private func modelLookup(path: String, fault: FakeUpstreamFault?) async throws -> Response {
        switch fault {
        case .status(let code, let errorBody, _)?:
            return Self.json(code, errorBody.isEmpty ? #"{"error":{"code":\#(code),"message":"fake upstream error \#(code)"}}"# : errorBody)
        case .slowFirstByte(let delay)?, .stall(_, let delay)?:
            try await pause(for: delay)
        default:
            break
        }
        if path.hasSuffix("/v1/models") {
            return Self.json(200, #"{"object":"list","data":[{"id":"fake-gpt","object":"model","owned_by":"fake"}]}"#)
        }
        if path.contains("/v1beta/models/") {
            return Self.json(200, #"{"name":"models/\#(path.split(separator: "/").last ?? "")","displayName":"Fake Gemini"}"#)
        }
        return Self.json(404, #"{"error":{"code":404,"message":"no such route"}}"#)
    }

    /// Sleeps up to `duration`, but throws as soon as the server is stopping.
    private func pause(for duration: Duration) async throws {
        let end = ContinuousClock.now + duration
        while ContinuousClock.now < end {
            if state.withLock({ $0.stopping }) { throw FakeUpstreamError(description: "fake upstream stopping") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private static func json(_ status: Int, _ body: String) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// Each event is flushed on its own, so clients see separate reads.
    private static func sse(_ events: [String], then last: (@Sendable () async throws -> Void)? = nil) -> Response {
        Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                 body: ResponseBody { writer in
                     for event in events {
                         try await writer.write(ByteBuffer(string: event))
                         try await Task.sleep(for: .milliseconds(2))
                     }
                     try await last?()
                     try await writer.finish(nil)
                 })
    }

    private static func pieces(of text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if character == " " { pieces.append(current); current = "" }
        }
        if !current.isEmpty || pieces.isEmpty { pieces.append(current) }
        return pieces
    }

    /// The tool calls, whole or streamed: OpenAI's arguments in two pieces after a first piece
    /// with id and name; Gemini's calls whole, without ids.
    private static func toolCallAnswer(_ calls: [FakeToolCall], wire: Wire, streaming: Bool, usage: FakeUpstreamUsage) -> Response {
        switch wire {
        case .openAI:
            let whole: [[String: Any]] = calls.map {
                ["id": $0.id, "type": "function", "function": ["name": $0.name, "arguments": $0.arguments]]
            }
            guard streaming else {
                return json(200, encode([
                    "id": "chatcmpl-fake", "object": "chat.completion", "model": "fake-gpt",
                    "choices": [["index": 0, "message": ["role": "assistant", "content": NSNull(), "tool_calls": whole],
                                 "finish_reason": "tool_calls"]],
                ] as [String: Any]).replacingOccurrences(of: "\"choices\"", with: "\"usage\":\(openAIUsage(usage)),\"choices\""))
            }
            var events: [String] = []
            for (index, call) in calls.enumerated() {
                let head: [String: Any] = ["index": index, "id": call.id, "type": "function", "function": ["name": call.name, "arguments": ""]]
                events.append("data: \(encode(["choices": [["index": 0, "delta": ["role": "assistant", "tool_calls": [head]]]]] as [String: Any]))\n\n")
                let middle = call.arguments.index(call.arguments.startIndex, offsetBy: call.arguments.count / 2)
                for piece in [String(call.arguments[..<middle]), String(call.arguments[middle...])] {
                    let delta: [String: Any] = ["index": index, "function": ["arguments": piece]]
                    events.append("data: \(encode(["choices": [["index": 0, "delta": ["tool_calls": [delta]]]]] as [String: Any]))\n\n")
                }
            }
            events.append("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n")
            events.append("data: {\"choices\":[],\"usage\":\(openAIUsage(usage))}\n\n")
            events.append("data: [DONE]\n\n")
            return sse(events)
        case .gemini:
            let parts: [[String: Any]] = calls.map { call in
                let args = (try? JSONSerialization.jsonObject(with: Data(call.arguments.utf8))) ?? [:]
                return ["functionCall": ["name": call.name, "args": args]]
            }
            let answer = encode([
                "candidates": [["content": ["role": "model", "parts": parts], "finishReason": "STOP", "index": 0]],
                "usageMetadata": ["promptTokenCount": usage.prompt, "candidatesTokenCount": usage.completion,
                                  "totalTokenCount": usage.prompt + usage.completion, "cachedContentTokenCount": usage.cached],
            ] as [String: Any])
            return streaming ? sse(["data: \(answer)\r\n\r\n"]) : json(200, answer)
        }
    }

    /// The output of the tool whose answer ends the conversation, when it ends with one.
    private static func lastToolOutput(_ body: String, wire: Wire) -> String? {
        // The byte loop first: GatewayBench's requests never carry a tool's output.
        guard contains(body, toolBytes),
              let root = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else { return nil }
        switch wire {
        case .gemini:
            let parts = (root["contents"] as? [[String: Any]])?.last?["parts"] as? [[String: Any]] ?? []
            let responses = parts.compactMap { $0["functionResponse"] as? [String: Any] }
            guard !responses.isEmpty else { return nil }
            return responses.map { encode($0["response"] ?? [:]) }.joined(separator: " ")
        case .openAI:
            guard let last = (root["messages"] as? [[String: Any]])?.last, last["role"] as? String == "tool" else { return nil }
            return last["content"] as? String
        }
    }

    /// Three numbers per input (the input's length, then 0.5 and -1), in either wire's shape.
    private static func embeddings(_ body: String, gemini: Bool) -> String {
        let root = (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:]
        if gemini {
            let requests = root["requests"] as? [[String: Any]] ?? []
            let values = requests.map { request -> [String: Any] in
                let parts = (request["content"] as? [String: Any])?["parts"] as? [[String: Any]] ?? []
                let text = parts.compactMap { $0["text"] as? String }.joined()
                return ["values": [Double(text.count), 0.5, -1]]
            }
            return encode(["embeddings": values])
        }
        let inputs: [String] = (root["input"] as? [String]) ?? [(root["input"] as? String) ?? ""]
        let data = inputs.enumerated().map { index, text -> [String: Any] in
            ["object": "embedding", "index": index, "embedding": [Double(text.count), 0.5, -1]]
        }
        return encode(["object": "list", "data": data, "model": root["model"] ?? "", "usage": ["prompt_tokens": 2, "total_tokens": 2]] as [String: Any])
    }

    private static func lastUserMessage(_ body: String, wire: Wire) -> String {
        guard let root = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else { return "" }
        switch wire {
        case .gemini:
            let contents = root["contents"] as? [[String: Any]] ?? []
            let last = contents.last(where: { ($0["role"] as? String) == "user" })
            let parts = last?["parts"] as? [[String: Any]] ?? []
            return parts.compactMap { $0["text"] as? String }.joined()
        case .openAI:
            let messages = root["messages"] as? [[String: Any]] ?? []
            let content = messages.last(where: { ($0["role"] as? String) == "user" })?["content"]
            // A client's text parts reach the upstream as sent; joined as the gateway used to.
            if let parts = content as? [[String: Any]] { return parts.compactMap { $0["text"] as? String }.joined(separator: "\n") }
            return content as? String ?? ""
        }
    }

    private static func encode(_ value: Any) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
    }

    private static func geminiJSON(text: String, usage: FakeUpstreamUsage, final: Bool) -> String {
        var candidate: [String: Any] = ["content": ["role": "model", "parts": [["text": text]]], "index": 0]
        var root: [String: Any] = ["modelVersion": "fake-gemini"]
        if final {
            candidate["finishReason"] = "STOP"
            root["usageMetadata"] = [
                "promptTokenCount": usage.prompt, "candidatesTokenCount": usage.completion,
                "totalTokenCount": usage.prompt + usage.completion, "cachedContentTokenCount": usage.cached,
            ]
        }
        root["candidates"] = [candidate]
        return encode(root)
    }

    // The OpenAI answers are built by hand, not through JSONSerialization: GatewayBench runs this
    // server on the same two cores as the gateway it measures, so its cost should be small.
    private static func openAIUsage(_ usage: FakeUpstreamUsage) -> String {
        #"{"completion_tokens":\#(usage.completion),"prompt_tokens":\#(usage.prompt),"#
            + #""prompt_tokens_details":{"cached_tokens":\#(usage.cached)},"total_tokens":\#(usage.prompt + usage.completion)}"#
    }

    private static func openAIJSON(text: String, usage: FakeUpstreamUsage) -> String {
        #"{"id":"chatcmpl-fake","object":"chat.completion","model":"fake-gpt","choices":[{"index":0,"message":{"role":"assistant","content":\#(quoted(text))},"finish_reason":"stop"}],"usage":\#(openAIUsage(usage))}"#
    }

    /// `text` as a JSON string literal (escaped by OracleCore's JSONWriter, as the product's bodies are).
    static func quoted(_ text: String) -> String {
        var json = JSONWriter(capacity: text.utf8.count + 8)
        json.string(text)
        return String(decoding: json.bytes, as: UTF8.self)
    }

    private static let streamTrue = Array(#""stream":true"#.utf8)
    private static let toolBytes = Array("tool".utf8)

    /// Whether `text` holds `bytes`, by a plain loop: the generic searches cost more than the whole answer.
    private static func contains(_ text: String, _ bytes: [UInt8]) -> Bool {
        var text = text
        return text.withUTF8 { haystack in
            guard let first = bytes.first, haystack.count >= bytes.count else { return false }
            var start = 0
            while start <= haystack.count - bytes.count {
                if haystack[start] == first, bytes.indices.allSatisfy({ haystack[start + $0] == bytes[$0] }) { return true }
                start += 1
            }
            return false
        }
    }

    private static func openAIChunk(delta: String) -> String {
        encode(["object": "chat.completion.chunk", "choices": [["index": 0, "delta": ["content": delta]]]] as [String: Any])
    }
}
