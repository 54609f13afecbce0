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
        let (fault, replyText, usage) = state.withLock { state in
            state.requestCount += 1
            if state.recordsRequests { state.requests.append(recorded) }
            let fault = state.faults.isEmpty ? nil : state.faults.removeFirst()
            return (fault, state.replyText, state.usage)
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
        let text = replyText ?? "Echo: \(Self.lastUserMessage(body, wire: wire))"
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
            return messages.last(where: { ($0["role"] as? String) == "user" })?["content"] as? String ?? ""
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
