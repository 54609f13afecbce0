import Foundation
import OracleCore

/// How the fields of an OpenAI `chat/completions` body reach Gemini: each is mapped to its
/// `generateContent` equivalent, accepted because it only concerns OpenAI's own bookkeeping, or
/// refused (``unsupportedField(in:)``, a 400 naming it) — never dropped.
///
/// | OpenAI | Gemini |
/// | --- | --- |
/// | `tools[].function` | `tools[].functionDeclarations[]` (`parameters` as `parametersJsonSchema`) |
/// | `tool_choice` `auto`/`none`/`required`/a function | `toolConfig.functionCallingConfig` `AUTO`/`NONE`/`ANY`/`ANY` + `allowedFunctionNames` |
/// | `response_format` `json_object` / `json_schema` | `responseMimeType: application/json` (+ `responseJsonSchema`) |
/// | `stop`, `top_p`, `seed`, `presence_penalty`, `frequency_penalty` | `stopSequences`, `topP`, `seed`, `presencePenalty`, `frequencyPenalty` |
/// | `max_tokens` / `max_completion_tokens`, `temperature` | `maxOutputTokens`, `temperature` |
/// | `reasoning_effort` | `thinkingConfig.thinkingBudget` (none/minimal 0, low 1024, medium 8192, high 24576) |
/// | `parallel_tool_calls: true`, `n: 1`, `modalities: ["text"]`, `logprobs: false` | the default; other values are refused |
/// | `user`, `safety_identifier`, `prompt_cache_key`, `metadata`, `store`, `service_tier` | accepted: OpenAI's bookkeeping, nothing to change in the answer |
extension GeminiWire {
    /// Fields whose every value is mapped (or is what Gemini does anyway).
    static let mappedFields: Set<String> = [
        "model", "messages", "stream", "stream_options", "temperature", "top_p", "max_tokens", "max_completion_tokens",
        "stop", "seed", "presence_penalty", "frequency_penalty", "tools", "tool_choice", "response_format", "reasoning_effort",
    ]
    static let bookkeepingFields: Set<String> = ["user", "safety_identifier", "prompt_cache_key", "metadata", "store", "service_tier"]

    /// The first field of the client's body that Gemini cannot honour, in the body's order.
    static func unsupportedField(in request: CompletionRequest) -> UnsupportedField? {
        guard let body = request.openAIBody else { return nil }
        let fields = body.fields
        for name in body.names where fields[name] != .null {
            if mappedFields.contains(name) || bookkeepingFields.contains(name) { continue }
            let value = fields[name]
            switch name {
            case "parallel_tool_calls" where value == .bool(true): continue
            case "n" where value == .number(1): continue
            case "logprobs" where value == .bool(false): continue
            case "modalities" where value == .array([.string("text")]): continue
            default: return UnsupportedField(name: name, reason: "Gemini has no equivalent of this field (or of this value of it)")
            }
        }
        if let problem = unsupportedTools(fields) { return problem }
        if case .object(let format)? = fields["response_format"], let type = format["type"],
           ![.string("text"), .string("json_object"), .string("json_schema")].contains(type) {
            return UnsupportedField(name: "response_format.type", reason: "must be text, json_object or json_schema for Gemini")
        }
        if case .string(let effort)? = fields["reasoning_effort"], thinkingBudget(effort) == nil {
            return UnsupportedField(name: "reasoning_effort", reason: "must be none, minimal, low, medium or high for Gemini")
        }
        return unsupportedHistory(request.messages)
    }

    private static func unsupportedTools(_ fields: [String: JSONValue]) -> UnsupportedField? {
        if case .array(let tools)? = fields["tools"] {
            for (index, tool) in tools.enumerated() {
                guard case .object(let tool) = tool, tool["type"] == .string("function"),
                      case .object(let function)? = tool["function"], case .string? = function["name"] else {
                    return UnsupportedField(name: "tools[\(index)]", reason: "Gemini takes function tools only: {\"type\": \"function\", \"function\": {\"name\": ...}}")
                }
            }
        }
        switch fields["tool_choice"] {
        case nil, .null?, .string("auto")?, .string("none")?, .string("required")?:
            return nil
        case .object(let choice)? where choice["type"] == .string("function"):
            if case .object(let function)? = choice["function"], case .string? = function["name"] { return nil }
            return UnsupportedField(name: "tool_choice.function.name", reason: "is required")
        default:
            return UnsupportedField(name: "tool_choice", reason: "must be auto, none, required or a function for Gemini")
        }
    }

    /// Gemini names a function's answer by the function's name, so each tool output must
    /// answer a call made earlier in the conversation, whose arguments are a JSON object.
    private static func unsupportedHistory(_ turns: [ChatTurn]) -> UnsupportedField? {
        var calls: Set<String> = []
        for (index, turn) in turns.enumerated() {
            for (position, call) in (turn.toolCalls ?? []).enumerated() {
                calls.insert(call.id)
                guard case .object? = functionArguments(call.arguments.isEmpty ? "{}" : call.arguments) else {
                    return UnsupportedField(name: "messages[\(index)].tool_calls[\(position)].function.arguments",
                                            reason: "must be a JSON object for Gemini")
                }
            }
            if let id = turn.toolCallID, !calls.contains(id) {
                return UnsupportedField(name: "messages[\(index)].tool_call_id",
                                        reason: "names no tool call of an earlier assistant message; Gemini needs the call's function name")
            }
        }
        return nil
    }

    /// `tools` and `toolConfig`, when asked for.
    static func writeTools(_ fields: [String: JSONValue], into json: inout JSONWriter) {
        if case .array(let tools)? = fields["tools"], !tools.isEmpty {
            json.field("tools") { json in
                json.array { json in
                    json.element { json in
                        json.object { json in
                            json.field("functionDeclarations") { json in
                                json.array { json in
                                    for case .object(let tool) in tools {
                                        guard case .object(let function)? = tool["function"] else { continue }
                                        json.element { json in
                                            json.object { json in
                                                json.field("name") { $0.value(function["name"] ?? .null) }
                                                if case .string(let text)? = function["description"] { json.field("description") { $0.string(text) } }
                                                if let schema = function["parameters"], schema != .null {
                                                    json.field("parametersJsonSchema") { $0.value(schema) }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let (mode, names): (String?, [String]) = switch fields["tool_choice"] {
        case .string("auto")?: ("AUTO", [])
        case .string("none")?: ("NONE", [])
        case .string("required")?: ("ANY", [])
        case .object(let choice)?:
            if case .object(let function)? = choice["function"], case .string(let name)? = function["name"] { ("ANY", [name]) } else { (nil, []) }
        default: (nil, [])
        }
        if let mode {
            json.field("toolConfig") { json in
                json.object { json in
                    json.field("functionCallingConfig") { json in
                        json.object { json in
                            json.field("mode") { $0.string(mode) }
                            if !names.isEmpty { json.field("allowedFunctionNames") { $0.value(.array(names.map(JSONValue.string))) } }
                        }
                    }
                }
            }
        }
    }

    /// `generationConfig` from the request's sampling and output fields, when any is set.
    static func writeGenerationConfig(_ request: CompletionRequest, into json: inout JSONWriter) {
        var config: [String: JSONValue] = [:]
        if let temperature = request.temperature { config["temperature"] = .number(temperature) }
        if let maxTokens = request.maxOutputTokens { config["maxOutputTokens"] = .number(Double(maxTokens)) }
        if let fields = request.openAIBody?.fields {
            let renamed = ["top_p": "topP", "seed": "seed", "presence_penalty": "presencePenalty", "frequency_penalty": "frequencyPenalty"]
            for (openAI, gemini) in renamed { if let value = fields[openAI], value != .null { config[gemini] = value } }
            switch fields["stop"] {
            case .string(let stop)?: config["stopSequences"] = .array([.string(stop)])
            case .array(let stops)?: config["stopSequences"] = .array(stops)
            default: break
            }
            if case .object(let format)? = fields["response_format"] {
                switch format["type"] {
                case .string("json_object")?:
                    config["responseMimeType"] = .string("application/json")
                case .string("json_schema")?:
                    config["responseMimeType"] = .string("application/json")
                    if case .object(let schema)? = format["json_schema"], let body = schema["schema"], body != .null {
                        config["responseJsonSchema"] = body
                    }
                default: break
                }
            }
            if case .string(let effort)? = fields["reasoning_effort"], let budget = thinkingBudget(effort) {
                config["thinkingConfig"] = .object(["thinkingBudget": .number(Double(budget))])
            }
        }
        guard !config.isEmpty else { return }
        json.field("generationConfig") { $0.value(.object(config)) }
    }

    static func thinkingBudget(_ effort: String) -> Int? {
        switch effort {
        case "none", "minimal": 0
        case "low": 1024
        case "medium": 8192
        case "high": 24576
        default: nil
        }
    }
}
