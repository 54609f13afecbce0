import Foundation
import OracleCore

// Every upstream reply (and every chunk of a stream) is decoded; `JSONDecoder` spent ~100k
// instructions on a short chat.completion, a tenth of the gateway's work per `/v1` call
// (callgrind, bench/profile-v1.sh). The reply is read with ``JSONReader`` and its fields picked
// out here; whatever this does not take as it is (a field of another type, a number that is not
// a plain whole number, anything ``JSONReader`` leaves) goes to `JSONDecoder`, which stays the
// definition: OpenAIWireReaderTests holds the two to the same values.
extension OpenAIWire.Response {
    /// nil when `JSONDecoder` must decide (it may throw).
    init?(reading value: JSONValue) {
        guard case .object(let fields) = value,
              let choices = Self.optional(fields["choices"], { Self.array($0, Choice.init(reading:)) }),
              let usage = Self.optional(fields["usage"], Usage.init(reading:)),
              let error = Self.optional(fields["error"], ErrorBody.init(reading:)) else { return nil }
        self.init(choices: choices, usage: usage, error: error)
    }

    /// `.some(nil)` for an absent or null field, `.some(value)` for one read, nil when it cannot be read here.
    static func optional<T>(_ value: JSONValue?, _ read: (JSONValue) -> T?) -> T?? {
        switch value {
        case nil, .null?: return .some(nil)
        case let value?: return read(value).map { .some($0) }
        }
    }

    static func array<T>(_ value: JSONValue, _ read: (JSONValue) -> T?) -> [T]? {
        guard case .array(let items) = value else { return nil }
        var values: [T] = []
        values.reserveCapacity(items.count)
        for item in items {
            guard let one = read(item) else { return nil }
            values.append(one)
        }
        return values
    }

    static func string(_ value: JSONValue) -> String? {
        if case .string(let text) = value { text } else { nil }
    }

    /// Whole numbers a Double holds exactly; others (`1.5`, `1e300`) are left to JSONDecoder.
    static func int(_ value: JSONValue) -> Int? {
        guard case .number(let number) = value, number == number.rounded(), abs(number) < 9_007_199_254_740_992 else { return nil }
        return Int(number)
    }
}

extension OpenAIWire.Response.Choice {
    init?(reading value: JSONValue) {
        typealias R = OpenAIWire.Response
        guard case .object(let fields) = value,
              let message = R.optional(fields["message"], Message.init(reading:)),
              let delta = R.optional(fields["delta"], Message.init(reading:)),
              let finishReason = R.optional(fields["finish_reason"], R.string) else { return nil }
        self.init(message: message, delta: delta, finish_reason: finishReason)
    }
}

extension OpenAIWire.Response.Choice.Message {
    init?(reading value: JSONValue) {
        typealias R = OpenAIWire.Response
        guard case .object(let fields) = value,
              let content = R.optional(fields["content"], R.string),
              let toolCalls = R.optional(fields["tool_calls"], { R.array($0, R.WireToolCall.init(reading:)) }) else { return nil }
        self.init(content: content, tool_calls: toolCalls)
    }
}

extension OpenAIWire.Response.WireToolCall {
    init?(reading value: JSONValue) {
        typealias R = OpenAIWire.Response
        guard case .object(let fields) = value,
              let index = R.optional(fields["index"], R.int),
              let id = R.optional(fields["id"], R.string),
              let function = R.optional(fields["function"], Function.init(reading:)) else { return nil }
        self.init(index: index, id: id, function: function)
    }
}

extension OpenAIWire.Response.WireToolCall.Function {
    init?(reading value: JSONValue) {
        typealias R = OpenAIWire.Response
        guard case .object(let fields) = value,
              let name = R.optional(fields["name"], R.string),
              let arguments = R.optional(fields["arguments"], R.string) else { return nil }
        self.init(name: name, arguments: arguments)
    }
}

extension OpenAIWire.Response.Usage {
    init?(reading value: JSONValue) {
        typealias R = OpenAIWire.Response
        guard case .object(let fields) = value,
              let prompt = R.optional(fields["prompt_tokens"], R.int),
              let completion = R.optional(fields["completion_tokens"], R.int),
              let total = R.optional(fields["total_tokens"], R.int),
              let details = R.optional(fields["prompt_tokens_details"], PromptDetails.init(reading:)) else { return nil }
        self.init(prompt_tokens: prompt, completion_tokens: completion, total_tokens: total, prompt_tokens_details: details)
    }
}

extension OpenAIWire.Response.Usage.PromptDetails {
    init?(reading value: JSONValue) {
        typealias R = OpenAIWire.Response
        guard case .object(let fields) = value, let cached = R.optional(fields["cached_tokens"], R.int) else { return nil }
        self.init(cached_tokens: cached)
    }
}

extension OpenAIWire.Response.ErrorBody {
    init?(reading value: JSONValue) {
        typealias R = OpenAIWire.Response
        guard case .object(let fields) = value,
              let message = R.optional(fields["message"], R.string),
              let code = R.optional(fields["code"], R.int) else { return nil }
        self.init(message: message, code: code)
    }
}
