import LLM
import Testing
import TestSupport

@Suite struct LLMConfigurationTests {
    @Test func defaultsMatchTheIssue() {
        let config = LLMConfiguration()
        #expect(config.provider == .offline)
        #expect(config.timeouts == TransportTimeouts(connect: .seconds(10), firstByte: .seconds(60), idle: .seconds(30), total: .seconds(300)))
        #expect(config.retry == RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(500), maxDelay: .seconds(8), totalCap: .seconds(30)))
        #expect(config.breaker == CircuitBreaker.Configuration(windowSize: 20, minimumRequests: 5, failureRateThreshold: 0.5,
                                                               openDuration: .seconds(30), halfOpenProbes: 1))
        #expect(config.geminiBaseURL == "https://generativelanguage.googleapis.com")
    }

    @Test func makeProviderBuildsTheConfiguredKind() {
        var config = LLMConfiguration(provider: .gemini)
        config.geminiAPIKey = "k"
        #expect(config.makeProvider(logger: LogCapture().logger).descriptor == ProviderDescriptor(name: "gemini", model: "gemini-2.5-flash", isOffline: false))
        config.provider = .openai
        #expect(config.makeProvider(logger: LogCapture().logger).descriptor.name == "openai")
    }
}
