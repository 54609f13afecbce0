/// Who wrote a message of a conversation. One enum for a message stored (Storage), sent
/// upstream (LLM's `ChatTurn`) and shown by the API (the raw value), so a role never needs
/// translating between modules.
public enum MessageRole: String, Sendable, Codable, CaseIterable {
    case system, user, assistant
}
