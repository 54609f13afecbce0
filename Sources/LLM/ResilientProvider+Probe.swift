import Foundation

/// How one health probe ended (`llm_health_probes_total{outcome}` counts `ok` and `failed`).
public enum ProbeOutcome: String, Sendable, CaseIterable {
    case ok, failed
    /// Not probed: the offline provider, a provider without a probe, another probe still
    /// running, or cancelled (shutdown). Nothing is recorded.
    case skipped
}

extension ResilientProvider {
    /// Whether ``probeHealth(timeouts:)`` can ask anything: false for the offline provider.
    public var canProbe: Bool { !descriptor.isOffline && inner is any HealthProbing }

    /// Asks the upstream its cheap question once and records the answer where `/health/ai` and
    /// the severity input read it: a failure makes the status `degraded` with a redacted
    /// `last_error` (`health probe: ...`), a success clears a failed probe.
    ///
    /// Probes stay out of what users see as request counts (`llm_requests_total`,
    /// `requests`/`failures`, the window's counts) and out of the circuit breaker: the breaker
    /// decides whether *users'* requests go upstream, and a model lookup's answer says too
    /// little about chat requests (a list can work while completions fail, and back) to open or
    /// close it. They need no permit either, so while the breaker is open `/health/ai` still
    /// learns whether the upstream answers. At most one probe runs at a time; another call
    /// meanwhile is `skipped`.
    public func probeHealth(timeouts: TransportTimeouts) async -> ProbeOutcome {
        guard !descriptor.isOffline, let probing = inner as? any HealthProbing else { return .skipped }
        let claimed = record.withLock { record in
            if record.probeInFlight { return false }
            record.probeInFlight = true
            return true
        }
        guard claimed else { return .skipped }
        var failure: LLMError?
        do {
            try await probing.probe(timeouts: timeouts)
        } catch {
            failure = redactor.redact(UpstreamError.from(error).error)
        }
        let now = timing.now()
        let outcome: ProbeOutcome = failure == nil ? .ok : (failure == .cancelled || Task.isCancelled ? .skipped : .failed)
        let message = failure.map { "health probe: " + redactor.redact($0.description) }
        record.withLock { record in
            record.probeInFlight = false
            guard outcome != .skipped else { return }
            record.probeFailing = outcome == .failed
            record.lastProbe = AIHealth.Probe(outcome: outcome.rawValue, at: Date())
            record.window.recordProbe(succeeded: outcome == .ok, at: now)
            if let message {
                record.lastError = message
                record.lastErrorAt = Date()
            }
        }
        if outcome != .skipped { metrics.count(outcome) }
        if let message, outcome == .failed {
            logger.debug("LLM health probe failed", metadata: ["llm.error": "\(message)"])
        }
        return outcome
    }
}
