import Foundation
import LLM
import Logging
import Synchronization
import TestSupport

struct TestTimeout: Error, CustomStringConvertible {
    var description: String { "test step did not finish in time (a hang)" }
}

/// Runs `body`, failing with `TestTimeout` instead of hanging.
func bounded<T: Sendable>(_ seconds: Double = 10, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TestTimeout()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// Everything a stream produced, and the error it ended with.
struct Collected: Sendable {
    var chunks: [CompletionChunk] = []
    var error: (any Error)?

    var deltas: [String] {
        chunks.compactMap { if case .delta(let text) = $0 { text } else { nil } }
    }

    var done: Completion? {
        chunks.compactMap { if case .done(let completion) = $0 { completion } else { nil } }.last
    }
}

func collect(_ stream: AsyncThrowingStream<CompletionChunk, any Error>, seconds: Double = 10) async throws -> Collected {
    try await bounded(seconds) {
        var collected = Collected()
        do {
            for try await chunk in stream { collected.chunks.append(chunk) }
        } catch {
            collected.error = error
        }
        return collected
    }
}

/// The `LLMError` inside whatever a provider threw.
func llmError(_ error: (any Error)?) -> LLMError? {
    switch error {
    case let upstream as UpstreamError: upstream.error
    case let llm as LLMError: llm
    default: nil
    }
}

/// Sleeps that record what was asked and wait only briefly, so retry tests stay fast but real.
final class SleepRecorder: Sendable {
    private let requested = Mutex<[Duration]>([])

    var delays: [Duration] { requested.withLock { $0 } }

    var timing: RetryTiming {
        RetryTiming(sleep: { [self] delay in
            requested.withLock { $0.append(delay) }
            try await Task.sleep(for: min(delay, .milliseconds(20)))
        }, random: { 0.5 })
    }
}

enum Fixture {
    static let geminiKey = "AIzaTEST-gemini-secret-0123456789"
    static let openAIKey = "sk-test-openai-secret-9876543210"

    static let quickTimeouts = TransportTimeouts(connect: .seconds(2), firstByte: .seconds(2), idle: .milliseconds(600), total: .seconds(10))

    static func configuration(_ kind: LLMConfiguration.ProviderKind, upstream: FakeUpstream) -> LLMConfiguration {
        var config = LLMConfiguration(provider: kind)
        config.geminiBaseURL = upstream.baseURL
        config.geminiAPIKey = geminiKey
        config.geminiModel = "gemini-test"
        config.openAIBaseURL = upstream.openAIBaseURL
        config.openAIAPIKey = openAIKey
        config.openAIModel = "gpt-test"
        config.timeouts = quickTimeouts
        config.retry = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10), maxDelay: .milliseconds(40), totalCap: .seconds(5))
        config.breaker = CircuitBreaker.Configuration(windowSize: 10, minimumRequests: 20, failureRateThreshold: 0.5,
                                                      openDuration: .milliseconds(300), halfOpenProbes: 1)
        return config
    }

    static let hello = CompletionRequest(messages: [
        ChatTurn(role: .system, content: "Be brief."),
        ChatTurn(role: .user, content: "hello there"),
    ])
}
