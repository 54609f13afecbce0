import Foundation
import Hummingbird
import LLM
import OracleCore
import Sessions

/// `POST /v1/embeddings`: to an OpenAI-compatible provider the client's body goes as it is (its
/// `model` names an embedding model) and the answer comes back as it is; Gemini is asked with
/// `batchEmbedContents` and answered in OpenAI's shape (`encoding_format` `float` or `base64`).
/// Failures are honest, as for chat completions; the offline provider has no embeddings (404 `model_not_found`).
extension OpenAIRoutes {
    static let maxEmbeddingInputs = 2048

    func embeddings(_ request: Request, _ context: OracleRequestContext) async throws -> Response {
        let json = try await JSONBody(request, limit: state.config.maxBodyBytes)
        let embedding = try Self.embeddingRequest(json)
        if let field = state.provider.unsupportedField(in: embedding) {
            // A provider without embeddings has no such model: OpenAI's answer to an unknown model.
            if field.name == "model" {
                throw APIError(.notFound, code: "model_not_found", message: "no embedding model '\(embedding.model)': \(field.reason)",
                               details: ["field": "model"])
            }
            throw APIError(.badRequest, code: "unsupported_field",
                           message: "field '\(field.name)' cannot be honoured: \(field.reason)", details: ["field": field.name])
        }
        // Embeddings have no completion: the estimate of the body is all they count.
        _ = try await state.admit(context, route: .v1, endpoint: "embeddings", model: embedding.model,
                                  promptBytes: json.buffer.readableBytes)
        let answer: [UInt8]
        do {
            answer = try await state.provider.embed(embedding)
        } catch {
            throw Self.upstreamFailure(error)
        }
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: answer)))
    }

    /// A token (an integer) or a list of them.
    static func isTokens(_ value: JSONValue) -> Bool {
        switch value {
        case .number(let number): number == number.rounded()
        case .array(let tokens): tokens.allSatisfy { if case .number(let number) = $0 { number == number.rounded() } else { false } }
        default: false
        }
    }

    static func embeddingRequest(_ json: JSONBody) throws -> EmbeddingRequest {
        let fields = json.fields
        guard let body = OpenAIRequestBody(validJSON: Array(json.buffer.readableBytesView), fields: fields) else {
            throw APIError(.badRequest, code: "invalid_json", message: "request body must be a JSON object")
        }
        guard body.depth <= OpenAIChatRequest.maxDepth else {
            throw APIError(.badRequest, code: "invalid_json", message: "request body nests JSON \(body.depth) deep; at most \(OpenAIChatRequest.maxDepth) is allowed")
        }
        guard case .string(let model)? = fields["model"], !model.isEmpty else { throw APIError.invalidField("model", "is required: an embedding model's name") }
        let inputs: [String]?
        switch fields["input"] {
        case .string(let text)?:
            inputs = [text]
        case .array(let items)? where !items.isEmpty && items.count <= maxEmbeddingInputs:
            let texts = items.compactMap { if case .string(let text) = $0 { text } else { nil } }
            if texts.count == items.count { inputs = texts }
            else if items.allSatisfy(Self.isTokens) { inputs = nil }
            else { throw APIError.invalidField("input", "must be a string, an array of strings, or tokens") }
        case .array(let items)?:
            throw APIError.invalidField("input", "must hold 1 to \(maxEmbeddingInputs) items (got \(items.count))")
        case nil, .null?:
            throw APIError.invalidField("input", "is required")
        case let other?:
            throw APIError.invalidField("input", "must be a string or an array, not \(other.typeName)")
        }
        let dimensions: Int?
        switch fields["dimensions"] {
        case nil, .null?: dimensions = nil
        case .number(let number)? where number >= 1 && number == number.rounded() && number < 1e6: dimensions = Int(number)
        default: throw APIError.invalidField("dimensions", "must be a whole number of at least 1")
        }
        let base64: Bool
        switch fields["encoding_format"] {
        case nil, .null?, .string("float")?: base64 = false
        case .string("base64")?: base64 = true
        default: throw APIError.invalidField("encoding_format", "must be 'float' or 'base64'")
        }
        return EmbeddingRequest(body: body, model: model, inputs: inputs, dimensions: dimensions, base64: base64)
    }
}
