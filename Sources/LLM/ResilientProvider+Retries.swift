import Foundation

extension ResilientProvider {
    /// Runs `operation` through the breaker, retrying what ``RetryPolicy`` allows while
    /// `canRetry()` agrees (a stream stops agreeing once it has yielded a delta). The error
    /// thrown carries the last retry hint: the upstream's, or the breaker's open time.
    func withRetries<T>(canRetry: () -> Bool, _ operation: () async throws -> T) async throws(UpstreamError) -> T {
        let started = timing.now()
        var attempt = 0
        while true {
            attempt += 1
            if Task.isCancelled { throw UpstreamError(.cancelled) }
            let permit: CircuitBreaker.Permit
            do {
                permit = try breaker.acquire()
            } catch {
                throw UpstreamError(error, retryAfter: breaker.configuration.openDuration)
            }
            let failure: UpstreamError
            do {
                let value = try await operation()
                breaker.record(.success, for: permit)
                return value
            } catch {
                failure = UpstreamError.from(error)
            }
            let error = redactor.redact(failure.error)
            breaker.record(Self.breakerOutcome(of: error), for: permit)
            if error == .cancelled || Task.isCancelled { throw UpstreamError(.cancelled) }
            noteFailedAttempt(error, attempt: attempt)
            let final = UpstreamError(error, retryAfter: failure.retryAfter)
            guard attempt < retry.maxAttempts, RetryPolicy.isRetryable(error), canRetry() else { throw final }
            let delay = retry.delay(afterAttempt: attempt, hint: failure.retryAfter, unitRandom: timing.random())
            guard timing.now() - started + delay <= retry.totalCap else {
                logger.debug("LLM retry budget exhausted", metadata: ["llm.retry.delay_ms": "\(delay.curlMilliseconds)"])
                throw final
            }
            metrics.retries.increment()
            logger.debug("LLM request retrying", metadata: [
                "llm.attempt": "\(attempt)", "llm.retry.delay_ms": "\(delay.curlMilliseconds)",
            ])
            do {
                try await timing.sleep(delay)
            } catch {
                throw UpstreamError(.cancelled)
            }
        }
    }

    /// How a failure counts for the breaker (see the type's documentation).
    static func breakerOutcome(of error: LLMError) -> CircuitBreaker.Outcome {
        switch error {
        case .cancelled, .circuitOpen:
            .neutral
        case .http(let status, _) where (400...499).contains(status):
            [401, 403, 404, 408, 429].contains(status) ? .failure : .neutral
        case .http, .timeout, .transport, .invalidResponse:
            .failure
        }
    }

    private func noteFailedAttempt(_ error: LLMError, attempt: Int) {
        let message = redactor.redact(error.description)
        record.withLock { record in
            record.lastError = message
            record.lastErrorAt = Date()
        }
        logger.debug("LLM attempt failed", metadata: ["llm.attempt": "\(attempt)", "llm.error": "\(message)"])
    }

    func finishSucceeded(_ completion: Completion, startedAt: ContinuousClock.Instant) {
        metrics.duration.record(duration: timing.now() - startedAt)
        metrics.count(.success)
        metrics.count(completion.usage)
        let now = timing.now()
        record.withLock { record in
            record.requests += 1
            record.consecutiveFailures = 0
            // A chat request that works proves more than a model lookup could.
            record.probeFailing = false
            record.window.recordRequest(failed: false, took: now - startedAt, at: now)
        }
    }

    /// The fallback reply, or rethrows (`.cancelled`, fallback disabled or not allowed): as
    /// ``UpstreamError`` with its retry hint when the request does not allow a fallback (`/v1`
    /// answers with the upstream's status and `Retry-After`), else as the plain ``LLMError``.
    func finishFailed(_ error: any Error, startedAt: ContinuousClock.Instant, request: CompletionRequest, mayFallBack: Bool) throws -> Completion {
        metrics.duration.record(duration: timing.now() - startedAt)
        let failure = UpstreamError.from(error)
        let error = redactor.redact(failure.error)
        if error == .cancelled {
            metrics.count(.cancelled)
            throw LLMError.cancelled
        }
        let mayFallBack = mayFallBack && request.allowsFallback
        let fallback = mayFallBack ? fallbackText : nil
        let now = timing.now()
        record.withLock { record in
            record.requests += 1
            record.failures += 1
            record.window.recordRequest(failed: true, at: now)
            record.consecutiveFailures += 1
            if fallback != nil { record.fallbacks += 1 }
        }
        guard let fallback else {
            metrics.count(.error)
            logger.debug("LLM request failed", metadata: ["llm.error": "\(error)"])
            if !request.allowsFallback { throw UpstreamError(error, retryAfter: failure.retryAfter) }
            throw error
        }
        metrics.count(.fallback)
        metrics.fallbacks.increment()
        logger.debug("LLM request answered by fallback", metadata: ["llm.error": "\(error)"])
        return Completion(text: fallback, usage: .zero, provider: descriptor.name, model: descriptor.model,
                          finishReason: "fallback", isFallback: true)
    }
}
