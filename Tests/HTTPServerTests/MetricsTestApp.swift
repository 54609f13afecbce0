import Foundation
import HTTPServer
import Hummingbird
import HummingbirdTesting
import LLM
import Logging
import Metrics
import Policies
import Prometheus
import Storage
import TestSupport

/// The full application with its own Prometheus registry (the global `MetricsSystem` is never
/// bootstrapped in tests), optionally with the shipped policies.
func withMetricsApp(
    _ settings: [String: String] = [:],
    provider makeProvider: @escaping @Sendable (any MetricsFactory) -> any LLMProvider = { _ in OfflineProvider() },
    shippedPolicies: Bool = false,
    _ test: @escaping @Sendable (any TestClientProtocol, ServerState, PrometheusCollectorRegistry) async throws -> Void
) async throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let config = try await TestConfig.make(settings, in: dir)
    let store = try SQLiteStore(location: config.database)
    let registry = PrometheusCollectorRegistry()
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    let policies = shippedPolicies
        ? PolicyHost(configuration: .init(policiesDirectory: root + "/policies", luaDirectory: root + "/lua"),
                     store: store, logger: Logger(label: "test"))
        : nil
    let state = ServerState(config: config, store: store, provider: makeProvider(MetricsExposition.factory(registry: registry)),
                            logger: Logger(label: "test"), policies: policies, metricsRegistry: registry)
    let app = OracleApplication.make(state: state, logger: Logger(label: "test"))
    try await app.test(.router) { client in try await test(client, state, registry) }
    try store.close()
}

/// A provider whose every call fails the way an overloaded upstream does.
struct UnavailableProvider: LLMProvider {
    var descriptor: ProviderDescriptor { ProviderDescriptor(name: "gemini", model: "gemini-test", isOffline: false) }

    func complete(_ request: CompletionRequest) async throws -> Completion {
        throw LLMError.http(status: 503, message: "overloaded")
    }

    func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        AsyncThrowingStream { $0.finish(throwing: LLMError.http(status: 503, message: "overloaded")) }
    }

    /// Wrapped the way the server wraps providers: one attempt, then the fallback reply (or none).
    static func resilient(fallback: String? = "The assistant is unavailable right now.",
                          factory: any MetricsFactory) -> ResilientProvider {
        ResilientProvider(wrapping: UnavailableProvider(), retry: RetryPolicy(maxAttempts: 1), fallbackText: fallback,
                          timing: RetryTiming(sleep: { _ in }, random: { 0 }), metricsFactory: factory,
                          logger: Logger(label: "test"))
    }
}

extension [String: Any] {
    /// The value at a jq-style path such as `.errors.error_rate_per_hour`.
    func value(at path: String) -> Any? {
        var current: Any? = self
        for key in path.split(separator: ".") {
            current = (current as? [String: Any])?[String(key)]
        }
        return current
    }

    /// A number at `path`, as `jq -r` would print it for `bc`: nil for null, strings or absence.
    func number(at path: String) -> Double? {
        guard let value = value(at: path), !(value is String), !(value is NSNull) else { return nil }
        return (value as? NSNumber)?.doubleValue
    }
}

extension TestResponse {
    /// The value of the exposition line that starts with `series` (name and labels exactly).
    func sample(_ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }
}
