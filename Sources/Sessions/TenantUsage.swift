import Foundation
import Logging
import OracleCore
import ServiceLifecycle
import Storage
import Synchronization

/// Each tenant's use in sliding windows — requests and tokens in the last minute, tokens in the
/// last day — which admission.lua decides from, and the per-minute totals the database keeps.
///
/// Tokens are counted in two steps: a request's prompt is estimated when it is admitted
/// (``estimatedTokens(bytes:)``: a byte count over 4, cheap and on the high side for JSON
/// bodies), and after the call the completion tokens, plus whatever the provider's reported
/// prompt exceeded the estimate by, are added (``recordCompletion(tenant:estimatedPrompt:usage:)``).
///
/// Writes stay off the request path: a request only changes memory; ``TenantUsageFlusher``
/// writes the minutes that changed every few seconds and once more at shutdown, and ``load(from:)``
/// reads the last day back at startup, so the day window survives a restart (a crash loses at
/// most the last flush interval). The clock is injected, so tests move time instead of sleeping.
public final class TenantUsage: Sendable {
    /// One window's reading: what was used, and when enough of it will have left the window.
    public struct Window: Sendable, Equatable {
        public var used: Int
        /// Seconds until `used + need <= limit` (whole seconds, rounded up, at least 1); nil
        /// when it fits now or there is no limit. A need larger than the limit itself waits the
        /// whole window.
        public var retryAfterSeconds: Int?

        public init(used: Int, retryAfterSeconds: Int? = nil) {
            self.used = used
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    public struct Reading: Sendable, Equatable {
        public var requestsPerMinute: Window
        public var tokensPerMinute: Window
        public var tokensPerDay: Window
    }

    /// One tenant's totals for the admin view.
    public struct Summary: Sendable, Equatable {
        public var tenant: String
        public var requestsLastMinute: Int
        public var tokensLastMinute: Int
        public var requestsLastDay: Int
        public var promptTokensLastDay: Int
        public var completionTokensLastDay: Int

        public init(tenant: String, requestsLastMinute: Int, tokensLastMinute: Int, requestsLastDay: Int,
                    promptTokensLastDay: Int, completionTokensLastDay: Int) {
            self.tenant = tenant
            self.requestsLastMinute = requestsLastMinute
            self.tokensLastMinute = tokensLastMinute
            self.requestsLastDay = requestsLastDay
            self.promptTokensLastDay = promptTokensLastDay
            self.completionTokensLastDay = completionTokensLastDay
        }
    }

    static let minuteSeconds: Int64 = 60
    static let daySeconds: Int64 = 86_400

    /// Usage in one second (the minute windows) or one minute (the day window).
    struct Bucket {
        var at: Int64
        var requests: Int = 0
        var promptTokens: Int = 0
        var completionTokens: Int = 0
        var tokens: Int { promptTokens + completionTokens }
    }

    /// Buckets oldest first, with running sums so a reading costs nothing per bucket.
    struct Series {
        var buckets: [Bucket] = []
        var requests = 0
        var tokens = 0

        mutating func add(at: Int64, requests: Int, prompt: Int, completion: Int) {
            if buckets.last?.at != at {
                // Times only move forward; a bucket older than the newest joins the newest.
                buckets.append(Bucket(at: max(at, buckets.last?.at ?? at)))
            }
            buckets[buckets.count - 1].requests += requests
            buckets[buckets.count - 1].promptTokens += prompt
            buckets[buckets.count - 1].completionTokens += completion
            self.requests += requests
            self.tokens += prompt + completion
        }

        /// Drops buckets that started at or before `cutoff`.
        mutating func drop(through cutoff: Int64) {
            var gone = 0
            while gone < buckets.count, buckets[gone].at <= cutoff {
                requests -= buckets[gone].requests
                tokens -= buckets[gone].tokens
                gone += 1
            }
            if gone > 0 { buckets.removeFirst(gone) }
        }

        /// Seconds from `now` until enough buckets have left a window of `span` (a bucket of
        /// `width` seconds leaves once its last second is `span` old, as ``prune`` drops it)
        /// for `used + need <= limit`.
        func retryAfter(used: Int, need: Int, limit: Int?, span: Int64, width: Int64, now: Double,
                        amount: (Bucket) -> Int) -> Int? {
            guard let limit, used + need > limit else { return nil }
            guard need <= limit else { return Int(span) }
            var remaining = used
            for bucket in buckets {
                remaining -= amount(bucket)
                if remaining + need <= limit {
                    // It leaves when its last second (`at + width - 1`) is `span` old.
                    return max(1, Int((Double(bucket.at + width - 1 + span) - now).rounded(.up)))
                }
            }
            return Int(span)
        }
    }

    struct Tenant {
        var seconds = Series()
        var minutes = Series()
    }

    struct State {
        var tenants: [String: Tenant] = [:]
        /// Minutes changed since the last flush, per tenant.
        var dirty: [String: Set<Int64>] = [:]
    }

    private let state = Mutex(State())
    /// Seconds since 1970; tests inject their own.
    public let clock: @Sendable () -> Double

    public init(clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.clock = clock
    }

    /// The documented prompt estimate: a token per 4 bytes, rounded up.
    public static func estimatedTokens(bytes: Int) -> Int { (bytes + 3) / 4 }

    /// The tenant's windows now, and when each frees enough for a request of `need` tokens
    /// under `limits`.
    public func reading(tenant: String, need: Int, limits: TenantLimits.Limits) -> Reading {
        let now = clock()
        let second = Int64(now.rounded(.down))
        return state.withLock { state in
            // Taken out, not copied: pruning a copy would copy its buckets (see `add`).
            var windows = state.tenants.removeValue(forKey: tenant) ?? Tenant()
            Self.prune(&windows, second: second)
            if !(windows.seconds.buckets.isEmpty && windows.minutes.buckets.isEmpty) { state.tenants[tenant] = windows }
            let s = windows.seconds, m = windows.minutes
            return Reading(
                requestsPerMinute: Window(used: s.requests, retryAfterSeconds: s.retryAfter(
                    used: s.requests, need: 1, limit: limits.requestsPerMinute, span: Self.minuteSeconds, width: 1, now: now) { $0.requests }),
                tokensPerMinute: Window(used: s.tokens, retryAfterSeconds: s.retryAfter(
                    used: s.tokens, need: need, limit: limits.tokensPerMinute, span: Self.minuteSeconds, width: 1, now: now) { $0.tokens }),
                tokensPerDay: Window(used: m.tokens, retryAfterSeconds: m.retryAfter(
                    used: m.tokens, need: need, limit: limits.tokensPerDay, span: Self.daySeconds, width: Self.minuteSeconds, now: now) { $0.tokens }))
        }
    }

    /// An admitted request: one request and its estimated prompt tokens, now.
    public func recordAdmitted(tenant: String, estimatedPrompt: Int) {
        add(tenant: tenant, requests: 1, prompt: estimatedPrompt, completion: 0)
    }

    /// After the call: the completion tokens, and the reported prompt tokens beyond the estimate.
    public func recordCompletion(tenant: String, estimatedPrompt: Int, usage: TokenUsage) {
        let extraPrompt = max(0, usage.promptTokens - estimatedPrompt)
        guard extraPrompt > 0 || usage.completionTokens > 0 else { return }
        add(tenant: tenant, requests: 0, prompt: extraPrompt, completion: max(0, usage.completionTokens))
    }

    private func add(tenant: String, requests: Int, prompt: Int, completion: Int) {
        let second = Int64(clock().rounded(.down))
        let minute = second.floorDiv(Self.minuteSeconds)
        state.withLock { state in
            // Changed in place: a copy taken out of the dictionary shares its bucket arrays, so
            // changing it copied them (a day of minutes is 1,440 buckets), twice per request.
            Self.record(into: &state.tenants[tenant, default: Tenant()], second: second, minute: minute,
                        requests: requests, prompt: prompt, completion: completion)
            state.dirty[tenant, default: []].insert(minute)
        }
    }

    private static func record(into windows: inout Tenant, second: Int64, minute: Int64, requests: Int, prompt: Int, completion: Int) {
        prune(&windows, second: second)
        windows.seconds.add(at: second, requests: requests, prompt: prompt, completion: completion)
        windows.minutes.add(at: minute * minuteSeconds, requests: requests, prompt: prompt, completion: completion)
    }

    private static func prune(_ windows: inout Tenant, second: Int64) {
        // A bucket leaves its window once its last second is the window's span old.
        windows.seconds.drop(through: second - minuteSeconds)
        windows.minutes.drop(through: second - daySeconds - minuteSeconds + 1)
    }

    /// Every tenant's totals now (those with use in the last day), by tenant.
    public func summaries() -> [Summary] {
        let second = Int64(clock().rounded(.down))
        return state.withLock { state in
            state.tenants.keys.sorted().compactMap { tenant in
                guard var windows = state.tenants[tenant] else { return nil }
                Self.prune(&windows, second: second)
                state.tenants[tenant] = windows
                let day = windows.minutes.buckets
                return Summary(tenant: tenant, requestsLastMinute: windows.seconds.requests, tokensLastMinute: windows.seconds.tokens,
                               requestsLastDay: windows.minutes.requests,
                               promptTokensLastDay: day.reduce(0) { $0 + $1.promptTokens },
                               completionTokensLastDay: day.reduce(0) { $0 + $1.completionTokens })
            }
        }
    }

    /// The changed minutes as absolute totals, taken out of the dirty set; on a failed write
    /// the caller gives them back with ``markDirty(_:)``.
    func takeDirty() -> [TenantUsageRecord] {
        state.withLock { state in
            defer { state.dirty = [:] }
            return state.dirty.flatMap { tenant, minutes in
                let buckets = state.tenants[tenant]?.minutes.buckets ?? []
                return minutes.compactMap { minute in
                    buckets.first { $0.at == minute * Self.minuteSeconds }.map {
                        TenantUsageRecord(tenant: tenant, minute: minute, requests: Int64($0.requests),
                                          promptTokens: Int64($0.promptTokens), completionTokens: Int64($0.completionTokens))
                    }
                }
            }
        }
    }

    func markDirty(_ records: [TenantUsageRecord]) {
        state.withLock { state in
            for record in records { state.dirty[record.tenant, default: []].insert(record.minute) }
        }
    }

    /// Writes the minutes that changed since the last flush.
    public func flush(to store: SQLiteStore) async throws {
        let records = takeDirty()
        do {
            try await store.saveTenantUsage(records, nowMinute: Int64(clock().rounded(.down)).floorDiv(Self.minuteSeconds))
        } catch {
            markDirty(records)
            throw error
        }
    }

    /// Reads the last day back (at startup, before the first request). A restored minute's
    /// use counts as at its last second, so the minute windows never free it early.
    public func load(from store: SQLiteStore) async throws {
        let second = Int64(clock().rounded(.down))
        let since = (second - Self.daySeconds).floorDiv(Self.minuteSeconds)
        let records = try await store.tenantUsage(sinceMinute: since)
        state.withLock { state in
            for record in records {
                var windows = state.tenants.removeValue(forKey: record.tenant) ?? Tenant()
                let start = record.minute * Self.minuteSeconds
                let requests = Int(record.requests), prompt = Int(record.promptTokens), completion = Int(record.completionTokens)
                windows.minutes.add(at: start, requests: requests, prompt: prompt, completion: completion)
                let last = min(second, start + Self.minuteSeconds - 1)
                if last > second - Self.minuteSeconds {
                    windows.seconds.add(at: last, requests: requests, prompt: prompt, completion: completion)
                }
                Self.prune(&windows, second: second)
                state.tenants[record.tenant] = windows
            }
        }
    }
}

extension Int64 {
    /// Division rounding towards minus infinity, so times before 1970 fall in the right minute.
    func floorDiv(_ divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}

/// Writes ``TenantUsage``'s changed minutes every `interval` and once more at shutdown.
public struct TenantUsageFlusher: Service, CustomStringConvertible {
    let usage: TenantUsage
    let store: SQLiteStore
    let interval: Duration
    let logger: Logger

    public init(usage: TenantUsage, store: SQLiteStore, interval: Duration = .seconds(5), logger: Logger) {
        self.usage = usage
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    public var description: String { "TenantUsageFlusher" }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
            await flush()
        }
        await flush()
    }

    private func flush() async {
        do {
            try await usage.flush(to: store)
        } catch {
            // Kept in memory and written at the next flush.
            logger.warning("tenant usage not written", metadata: ["error": "\(error)"])
        }
    }
}
