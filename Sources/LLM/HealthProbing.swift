/// A provider whose upstream can be asked, cheaply and without a completion, whether it
/// answers: what the active AI health probe (`AI_HEALTH_PROBE_INTERVAL`) calls through
/// ``ResilientProvider/probeHealth(timeouts:)``. The key goes the way the provider's own
/// requests send it, and failures are redacted like theirs.
public protocol HealthProbing: Sendable {
    /// Returns when the upstream answers the probe with a 2xx; throws ``UpstreamError`` otherwise.
    func probe(timeouts: TransportTimeouts) async throws
}

/// What a probe's answer may weigh: an error body is read up to this, a 2xx body not at all.
let probeResponseBytes = 64 << 10

extension OpenAICompatibleProvider: HealthProbing {
    /// `GET {base}/models`: every OpenAI-compatible server we target lists its models, at no token cost.
    public func probe(timeouts: TransportTimeouts) async throws {
        try await client.answers(client.get("\(baseURL)/models", headers: auth, timeouts: timeouts,
                                            maxResponseBytes: probeResponseBytes))
    }
}

extension GeminiProvider: HealthProbing {
    /// `GET {base}/v1beta/models/{model}`: also proves the configured model exists for this key.
    public func probe(timeouts: TransportTimeouts) async throws {
        try await client.answers(client.get("\(baseURL)/v1beta/models/\(GeminiProvider.pathSegment(descriptor.model))", headers: auth,
                                            timeouts: timeouts, maxResponseBytes: probeResponseBytes))
    }
}
