import LLM
import Logging
import OracleCore
import ServiceLifecycle

/// Asks each AI provider's upstream (every provider of the model catalogue, as it is after a
/// reload) a cheap question every `AI_HEALTH_PROBE_INTERVAL` seconds
/// (``ResilientProvider/probeHealth(timeouts:)``), so `/health/ai` and severity.lua know the
/// provider is down before a user finds out: passive health alone stays `healthy` while no
/// traffic goes through.
///
/// The first probe runs one interval after startup (a restart of many instances does not
/// probe in one burst); the next waits for the previous one to end, so two never overlap.
/// A probe in flight when shutdown begins is cancelled and records nothing.
///
/// ```swift
/// if let probe = AIHealthProbeService.make(provider: provider, settings: config.llm, logger: logger) {
///     services.append(probe)
/// }
/// ```
public struct AIHealthProbeService: Service {
    /// The longest a probe may take: a model lookup answers in well under a second, and a
    /// hung upstream should show within a few, not after `LLM_TOTAL_TIMEOUT_MS`.
    public static let timeLimit = Duration.seconds(5)

    let providers: @Sendable () -> [ResilientProvider]
    let interval: Duration
    let timeouts: TransportTimeouts
    let sleep: @Sendable (Duration) async throws -> Void
    let logger: Logger

    /// - Parameters:
    ///   - timeouts: nil takes ``timeouts(interval:connect:)`` with the default connect timeout.
    ///   - sleep: the wait between probes; tests call ``probeOnce()`` instead of waiting.
    public init(provider: ResilientProvider, interval: Duration, timeouts: TransportTimeouts? = nil,
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
                logger: Logger) {
        self.init(providers: { [provider] }, interval: interval, timeouts: timeouts, sleep: sleep, logger: logger)
    }

    /// - Parameter providers: the providers to probe, read at each round (a reloaded catalogue's).
    public init(providers: @escaping @Sendable () -> [ResilientProvider], interval: Duration, timeouts: TransportTimeouts? = nil,
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
                logger: Logger) {
        self.providers = providers
        self.interval = interval
        self.timeouts = timeouts ?? Self.timeouts(interval: interval, connect: TransportTimeouts().connect)
        self.sleep = sleep
        self.logger = logger
    }

    /// The probe service the settings ask for, or nil (said once in the log): probes off
    /// (`AI_HEALTH_PROBE_INTERVAL=0`), or the offline provider, which has no upstream to ask.
    public static func make(provider: any LLMProvider, settings: OracleConfig.LLMSettings, logger: Logger) -> Self? {
        let seconds = settings.healthProbeIntervalSeconds
        let probed: @Sendable () -> [ResilientProvider]
        if let router = provider as? ModelRouter {
            probed = { router.providers.compactMap { $0.provider as? ResilientProvider }.filter(\.canProbe) }
        } else if let provider = provider as? ResilientProvider, provider.canProbe {
            probed = { [provider] }
        } else {
            probed = { [] }
        }
        guard !probed().isEmpty else {
            logger.info(provider.descriptor.isOffline
                ? "AI health probe off: the offline provider has no upstream to probe"
                : "AI health probe off: the \(provider.descriptor.name) provider cannot be probed")
            return nil
        }
        guard seconds > 0 else {
            logger.info("AI health probe off (AI_HEALTH_PROBE_INTERVAL=0): /health/ai learns only from requests")
            return nil
        }
        logger.info("AI health probe on", metadata: [
            "llm.providers": "\(probed().map(\.descriptor.name).joined(separator: ","))", "probe.interval_s": "\(seconds)",
        ])
        let interval = Duration.seconds(seconds)
        return Self(providers: probed, interval: interval,
                    timeouts: timeouts(interval: interval, connect: .milliseconds(settings.connectTimeoutMs)), logger: logger)
    }

    /// ``timeLimit`` for every phase, the connect phase also within the configured connect
    /// timeout, and all within the interval, so a probe ends before the next one is due.
    public static func timeouts(interval: Duration, connect: Duration) -> TransportTimeouts {
        let limit = min(timeLimit, interval)
        return TransportTimeouts(connect: min(connect, limit), firstByte: limit, idle: limit, total: limit)
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { [sleep, interval] in try await sleep(interval) }
            } catch {
                return
            }
            guard !Task.isShuttingDownGracefully else { return }
            _ = try? await cancelWhenGracefulShutdown { await probeOnce() }
        }
    }

    /// One probe of every provider now, side by side; the worst outcome (`failed` before `ok`
    /// before `skipped`).
    @discardableResult
    public func probeOnce() async -> ProbeOutcome {
        await withTaskGroup(of: ProbeOutcome.self) { group in
            for provider in providers() { group.addTask { await probe(provider) } }
            var outcomes: [ProbeOutcome] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes.contains(.failed) ? .failed : outcomes.contains(.ok) ? .ok : .skipped
        }
    }

    /// One probe, its outcome recorded in the provider's health; a change between working and
    /// failing is logged (the error redacted), a steady state is not.
    func probe(_ provider: ResilientProvider) async -> ProbeOutcome {
        let before = provider.health().probe?.outcome
        let outcome = await provider.probeHealth(timeouts: timeouts)
        switch outcome {
        case .failed where before != ProbeOutcome.failed.rawValue:
            logger.warning("AI health probe failed; /health/ai is degraded",
                           metadata: ["llm.provider": "\(provider.descriptor.name)", "llm.error": "\(provider.health().lastError ?? "")"])
        case .ok where before == ProbeOutcome.failed.rawValue:
            logger.notice("AI health probe succeeds again", metadata: ["llm.provider": "\(provider.descriptor.name)"])
        default:
            break
        }
        return outcome
    }
}

// The service group logs each service's description; the default one would print the provider.
extension AIHealthProbeService: CustomStringConvertible {
    public var description: String { "AIHealthProbeService" }
}
