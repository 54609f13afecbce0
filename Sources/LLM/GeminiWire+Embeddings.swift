import Foundation
import OracleCore

/// `POST /v1/embeddings` on Gemini: `batchEmbedContents`, one request per input, answered in
/// OpenAI's `{"object": "list", "data": [{"embedding": ...}]}` shape.
extension GeminiWire {
    struct EmbeddingsResponse: Decodable {
        struct Embedding: Decodable { var values: [Float] }
        var embeddings: [Embedding]
    }

    static func encodeEmbeddings(_ request: EmbeddingRequest) -> [UInt8] {
        var json = JSONWriter(capacity: 128 + (request.inputs ?? []).reduce(0) { $0 + $1.utf8.count + 96 })
        json.object { json in
            json.field("requests") { json in
                json.array { json in
                    for input in request.inputs ?? [] {
                        json.element { json in
                            json.object { json in
                                json.field("model") { $0.string("models/\(request.model)") }
                                json.field("content") { json in
                                    json.object { json in
                                        json.field("parts") { $0.array { $0.element { $0.object { $0.field("text") { $0.string(input) } } } } }
                                    }
                                }
                                if let dimensions = request.dimensions { json.field("outputDimensionality") { $0.integer(dimensions) } }
                            }
                        }
                    }
                }
            }
        }
        return json.bytes
    }

    /// Gemini reports no token counts for embeddings: `usage` says 0.
    static func openAIEmbeddings(_ bytes: [UInt8], for request: EmbeddingRequest) throws(UpstreamError) -> [UInt8] {
        let reply: EmbeddingsResponse
        do {
            reply = try JSONDecoder().decode(EmbeddingsResponse.self, from: Data(bytes))
        } catch {
            throw UpstreamError(.invalidResponse("Gemini reply is not valid batchEmbedContents JSON"))
        }
        guard reply.embeddings.count == request.inputs?.count else {
            throw UpstreamError(.invalidResponse("Gemini gave \(reply.embeddings.count) embeddings for \(request.inputs?.count ?? 0) inputs"))
        }
        var json = JSONWriter(capacity: 256 + reply.embeddings.reduce(0) { $0 + $1.values.count * 12 })
        json.object { json in
            json.field("object") { $0.string("list") }
            json.field("data") { json in
                json.array { json in
                    for (index, embedding) in reply.embeddings.enumerated() {
                        json.element { json in
                            json.object { json in
                                json.field("object") { $0.string("embedding") }
                                json.field("index") { $0.integer(index) }
                                json.field("embedding") { json in
                                    if request.base64 {
                                        json.string(base64(embedding.values))
                                    } else {
                                        json.array { json in for value in embedding.values { json.element { $0.number(Double(value)) } } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            json.field("model") { $0.string(request.model) }
            json.field("usage") { $0.object { json in
                json.field("prompt_tokens") { $0.integer(0) }
                json.field("total_tokens") { $0.integer(0) }
            } }
        }
        return json.bytes
    }

    /// Little-endian float32s, base64: what `encoding_format: "base64"` means.
    static func base64(_ values: [Float]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 4)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        return Data(bytes).base64EncodedString()
    }
}
