import HTTPServer
import LLM
import Testing
import TestSupport

/// The provider stack built without any configuration is the one the default configuration
/// builds: its defaults are the settings catalog's, not a second copy of them.
@Suite struct LLMDefaultsTests {
    @Test func anUnconfiguredStackIsTheDefaultConfigurationsStack() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let configured = LLMConfiguration(settings: try await TestConfig.make([:], in: dir).llm)
        let bare = LLMConfiguration()
        #expect(bare.timeouts == configured.timeouts)
        #expect(bare.retry == configured.retry)
        #expect(bare.breaker == configured.breaker)
        #expect(bare.geminiModel == configured.geminiModel)
        #expect(bare.openAIModel == configured.openAIModel)
        #expect(bare.geminiBaseURL == configured.geminiBaseURL)
        #expect(bare.fallbackText == configured.fallbackText)
    }
}
