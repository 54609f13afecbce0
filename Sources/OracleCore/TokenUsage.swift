/// Token counts of one reply as the provider reported them (estimated for the offline
/// provider). One type from the provider's answer to the stored message to the API's `usage`
/// object (`prompt_tokens`, `completion_tokens`, `total_tokens`, `cached_tokens`): it lives here
/// because Storage must not depend on LLM, and both depend on OracleCore.
public struct TokenUsage: Sendable, Equatable, Codable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int
    /// Prompt tokens served from the provider's prompt cache
    /// (`usage.prompt_tokens_details.cached_tokens`, Gemini `cachedContentTokenCount`).
    public var cachedTokens: Int

    public init(promptTokens: Int = 0, completionTokens: Int = 0, totalTokens: Int? = nil, cachedTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = totalTokens ?? (promptTokens + completionTokens)
        self.cachedTokens = cachedTokens
    }

    public static let zero = TokenUsage()
}
