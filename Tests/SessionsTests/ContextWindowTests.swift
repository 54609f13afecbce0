import LLM
import OracleCore
import Sessions
import Storage
import Testing

@Suite struct ContextWindowTests {
    /// A stored message and the turn sent upstream share one role type: every role, system
    /// included, reaches the provider as itself (no translation that could fall back to `user`).
    @Test func everyStoredRoleReachesTheProviderAsItself() {
        for role in MessageRole.allCases {
            let entry = ContextEntry(role: role, content: "text", status: .complete, isFallback: false)
            #expect(ContextWindow.turn(entry) == ChatTurn(role: role, content: "text"))
        }
    }
}
