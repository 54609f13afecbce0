import OracleCore

extension Redactor {
    /// The same error with every configured secret removed from its text.
    public func redact(_ error: LLMError) -> LLMError {
        switch error {
        case .http(let status, let message): .http(status: status, message: redact(message))
        case .timeout(let what): .timeout(redact(what))
        case .transport(let what): .transport(redact(what))
        case .invalidResponse(let what): .invalidResponse(redact(what))
        case .circuitOpen, .cancelled: error
        }
    }
}
