import Foundation
import OracleCore

/// Gemini `generateContent` JSON, request and response. How OpenAI's request fields map onto
/// it is ``GeminiWire`` + OpenAI (`GeminiWire+OpenAI.swift`).
enum GeminiWire {
    struct Part: Decodable {
        struct FunctionCall: Decodable {
            var name: String
            var args: JSONValue?
            var id: String?
        }
        var text: String?
        /// A thought summary, not the answer.
        var thought: Bool?
        var functionCall: FunctionCall?
    }

    struct Response: Decodable {
        struct Candidate: Decodable {
            struct Content: Decodable { var parts: [Part]? }
            var content: Content?
            var finishReason: String?
        }
        struct Usage: Decodable {
            var promptTokenCount: Int?
            var candidatesTokenCount: Int?
            var totalTokenCount: Int?
            var cachedContentTokenCount: Int?
        }
        struct PromptFeedback: Decodable { var blockReason: String? }
        var candidates: [Candidate]?
        var usageMetadata: Usage?
        var promptFeedback: PromptFeedback?

        private var parts: [Part] { candidates?.first?.content?.parts ?? [] }

        var text: String {
            parts.filter { $0.thought != true }.compactMap(\.text).joined()
        }

        /// This answer's function calls, each whole, numbered from `firstIndex` (a stream's
        /// calls are numbered across its chunks). Gemini may leave out the id: one is made.
        func toolCalls(firstIndex: Int) -> [ToolCallDelta] {
            parts.compactMap(\.functionCall).enumerated().map { offset, call in
                var arguments = JSONWriter(capacity: 64)
                arguments.value(call.args ?? .object([:]))
                return ToolCallDelta(index: firstIndex + offset, id: call.id ?? "call_" + RandomIdentifier.uuid().replacingOccurrences(of: "-", with: ""),
                                     name: call.name, arguments: String(decoding: arguments.bytes, as: UTF8.self))
            }
        }

        var finishReason: String? {
            if let reason = candidates?.first?.finishReason { return GeminiWire.finishReason(reason) }
            return promptFeedback?.blockReason.map { _ in "content_filter" }
        }

        var usage: TokenUsage? {
            usageMetadata.map {
                TokenUsage(
                    promptTokens: $0.promptTokenCount ?? 0,
                    completionTokens: $0.candidatesTokenCount ?? 0,
                    totalTokens: $0.totalTokenCount,
                    cachedTokens: $0.cachedContentTokenCount ?? 0
                )
            }
        }
    }

    /// The `generateContent` body: `contents` (user / model turns; an assistant's tool calls as
    /// `functionCall` parts, tool outputs as `functionResponse` parts), `systemInstruction` from
    /// the system turns, and, from the client's OpenAI body when there is one, `tools`,
    /// `toolConfig` and `generationConfig` (see `GeminiWire+OpenAI.swift`).
    /// Call ``unsupportedField(in:)`` first: this writes only what it can map.
    static func encode(_ request: CompletionRequest) -> [UInt8] {
        let system = request.messages.filter { $0.role == .system && $0.toolCallID == nil }.map(\.content)
        var json = JSONWriter(capacity: 256 + (request.openAIBody?.bytes.count ?? 0)
                                  + request.messages.reduce(0) { $0 + $1.content.utf8.count + 48 })
        json.object { json in
            json.field("contents") { json in
                json.array { json in writeContents(request.messages, into: &json) }
            }
            if !system.isEmpty {
                json.field("systemInstruction") { json in
                    json.object { json in
                        json.field("parts") { json in
                            json.array { json in
                                for text in system { json.element { $0.object { $0.field("text") { $0.string(text) } } } }
                            }
                        }
                    }
                }
            }
            if let body = request.openAIBody {
                writeTools(body.fields, into: &json)
            }
            writeGenerationConfig(request, into: &json)
        }
        return json.bytes
    }

    /// One content per turn, except that consecutive tool outputs go together in one `user`
    /// content, as Gemini expects the answers to one turn's parallel calls.
    private static func writeContents(_ turns: [ChatTurn], into json: inout JSONWriter) {
        var names: [String: String] = [:]
        var index = 0
        while index < turns.count {
            let turn = turns[index]
            if turn.role == .system && turn.toolCallID == nil { index += 1; continue }
            if turn.toolCallID != nil {
                var end = index
                while end < turns.count, turns[end].toolCallID != nil { end += 1 }
                let outputs = turns[index..<end]
                json.element { json in
                    json.object { json in
                        json.field("role") { $0.string("user") }
                        json.field("parts") { json in
                            json.array { json in
                                for output in outputs { json.element { writeFunctionResponse(output, names: names, into: &$0) } }
                            }
                        }
                    }
                }
                index = end
                continue
            }
            for call in turn.toolCalls ?? [] { names[call.id] = call.name }
            json.element { json in
                json.object { json in
                    json.field("role") { $0.string(turn.role == .assistant ? "model" : "user") }
                    json.field("parts") { json in
                        json.array { json in
                            if !turn.content.isEmpty || (turn.toolCalls ?? []).isEmpty {
                                json.element { $0.object { $0.field("text") { $0.string(turn.content) } } }
                            }
                            for call in turn.toolCalls ?? [] {
                                json.element { json in
                                    json.object { json in
                                        json.field("functionCall") { json in
                                            json.object { json in
                                                json.field("id") { $0.string(call.id) }
                                                json.field("name") { $0.string(call.name) }
                                                json.field("args") { $0.value(functionArguments(call.arguments) ?? .object([:])) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            index += 1
        }
    }

    /// `{"functionResponse": {"id", "name", "response"}}`: `response` must be an object, so a
    /// tool's output that is not a JSON object is sent as `{"result": output}`.
    private static func writeFunctionResponse(_ turn: ChatTurn, names: [String: String], into json: inout JSONWriter) {
        let id = turn.toolCallID ?? ""
        let output: JSONValue = switch functionArguments(turn.content) {
        case .object(let fields)?: .object(fields)
        default: .object(["result": .string(turn.content)])
        }
        json.object { json in
            json.field("functionResponse") { json in
                json.object { json in
                    json.field("id") { $0.string(id) }
                    json.field("name") { $0.string(names[id] ?? id) }
                    json.field("response") { $0.value(output) }
                }
            }
        }
    }

    /// JSON text (a tool call's `arguments`, a tool's output) read as a value; nil when it is not JSON.
    static func functionArguments(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    static func decode(_ bytes: some Collection<UInt8>) throws(UpstreamError) -> Response {
        do {
            return try JSONDecoder().decode(Response.self, from: Data(bytes))
        } catch {
            throw UpstreamError(.invalidResponse("Gemini reply is not valid generateContent JSON"))
        }
    }

    static func finishReason(_ gemini: String) -> String {
        switch gemini {
        case "STOP": "stop"
        case "MAX_TOKENS": "length"
        case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY": "content_filter"
        default: gemini.lowercased()
        }
    }

    /// A call-asking answer ends `tool_calls` in OpenAI's terms; Gemini says `STOP`.
    static func finishReason(_ reason: String?, hasToolCalls: Bool) -> String {
        let reason = reason ?? "stop"
        return hasToolCalls && reason == "stop" ? "tool_calls" : reason
    }
}
