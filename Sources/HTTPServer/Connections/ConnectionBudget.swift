#if canImport(Glibc)
import Glibc
#endif
import Metrics
import NIOCore
import OracleCore
import Synchronization

/// How many client connections may be open, and what happens to the ones past that.
///
/// Up to `limit`, connections are served. At the limit, a newcomer takes the place of the
/// connection that has been idle longest (no request in it, or only part of a head), which is
/// closed — as nginx reuses idle keep-alive connections — so clients that hold sockets open
/// without asking anything cannot lock others out. When every served connection is busy, the next
/// `reserve` are *overflow*: they may ask `/health/live` once (so a probe still sees a live
/// process) and get `503 too_many_connections` for anything else. Past those, a connection is
/// answered 503 and closed before a byte is read. Either way the process never runs out of
/// descriptors, so the accept loop never spins on `EMFILE`.
public final class ConnectionBudget: Sendable {
    enum Admission: Equatable { case served, overflow, refused }

    /// `MAX_CONNECTIONS` as it applies (lowered to fit the open-file limit).
    public let limit: Int
    let reserve: Int
    private let open = Atomic<Int>(0)
    private let idle = Mutex(IdleConnections())
    let counters: ConnectionCounters

    /// Served connections with no request in progress, oldest first by `order`.
    private struct IdleConnections {
        var nextOrder: UInt64 = 0
        var entries: [ObjectIdentifier: (order: UInt64, evict: @Sendable () -> Void)] = [:]
    }

    init(limit: Int, counters: ConnectionCounters = ConnectionCounters()) {
        self.limit = max(1, limit)
        reserve = min(64, max(8, limit / 16))
        self.counters = counters
    }

    /// Counts a connection in; pair with ``release()`` when it closes, whatever the admission.
    func admit() -> Admission {
        accepted.add(1, ordering: .relaxed)
        let count = open.add(1, ordering: .relaxed).newValue
        counters.open.record(count)
        if count <= limit { return .served }
        if count <= limit + reserve {
            // The evicted connection's slot frees when it has closed; until then the count runs
            // over the limit by the evictions in flight, within the reserve.
            if evictLongestIdle() { return .served }
            counters.refused(reason: "overflow")
            return .overflow
        }
        counters.refused(reason: "closed")
        return .refused
    }

    func release() {
        let count = open.subtract(1, ordering: .relaxed).newValue
        counters.open.record(count)
    }

    /// A connection's place in the count, given back once: when it closes, or earlier when it
    /// lingers after its last answer (it serves no one, so it must not hold a place).
    func slot() -> Slot { Slot(budget: self) }

    final class Slot: Sendable {
        private let budget: ConnectionBudget
        private let held = Atomic<Bool>(true)
        init(budget: ConnectionBudget) { self.budget = budget }

        func release() {
            if held.exchange(false, ordering: .relaxed) { budget.release() }
        }
    }

    /// Connections lingering after their last answer, at most ``maxLingering``: each keeps a
    /// descriptor for up to ConnectionGuard's linger limit; past the cap, one closes at once.
    private let lingering = Atomic<Int>(0)
    static let maxLingering = 256

    func beginLinger() -> Bool {
        if lingering.add(1, ordering: .relaxed).newValue <= Self.maxLingering { return true }
        lingering.subtract(1, ordering: .relaxed)
        return false
    }

    func endLinger() {
        lingering.subtract(1, ordering: .relaxed)
    }

    public var openConnections: Int { open.load(ordering: .relaxed) }

    /// Connections accepted since start, whatever their admission.
    public var acceptedConnections: Int { accepted.load(ordering: .relaxed) }
    private let accepted = Atomic<Int>(0)

    /// Served connections with no request in progress: the ones a newcomer may displace.
    public var idleConnections: Int { idle.withLock { $0.entries.count } }

    /// `connection` has no request in progress; `evict` closes it if that is still so when it runs.
    func markIdle(_ connection: ObjectIdentifier, evict: @escaping @Sendable () -> Void) {
        idle.withLock { idle in
            idle.entries[connection] = (idle.nextOrder, evict)
            idle.nextOrder += 1
        }
    }

    /// `connection` is busy (a request head arrived) or closed: not to be evicted.
    func markBusy(_ connection: ObjectIdentifier) {
        _ = idle.withLock { $0.entries.removeValue(forKey: connection) }
    }

    private func evictLongestIdle() -> Bool {
        let evict = idle.withLock { idle -> (@Sendable () -> Void)? in
            guard let oldest = idle.entries.min(by: { $0.value.order < $1.value.order }) else { return nil }
            idle.entries[oldest.key] = nil
            return oldest.value.evict
        }
        guard let evict else { return false }
        counters.evicted.increment()
        evict()
        return true
    }

    /// `MAX_CONNECTIONS` lowered, when needed, so that every connection the budget admits
    /// (served plus overflow) leaves `spareDescriptors` for the database, upstream calls and
    /// policy files within the open-file limit.
    static func fitting(configured: Int, openFileLimit: Int, spareDescriptors: Int = 128 + maxLingering) -> Int {
        let available = max(1, openFileLimit - spareDescriptors)
        var limit = min(configured, available)
        while limit > 1, limit + min(64, max(8, limit / 16)) > available { limit -= 1 }
        return limit
    }

    /// Raises the soft open-file limit to the hard one (as servers conventionally do) and returns it.
    static func raiseOpenFileLimit() -> Int {
        var limits = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 else { return 1024 }
        if limits.rlim_cur < limits.rlim_max {
            var raised = limits
            raised.rlim_cur = limits.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limits = raised }
        }
        return limits.rlim_cur > rlim_t(Int32.max) ? Int(Int32.max) : Int(limits.rlim_cur)
    }
}

/// The connection layer's metrics, created once with bounded dimensions.
struct ConnectionCounters: Sendable {
    let open = Gauge(label: "http_connections_open")
    let evicted = Counter(label: "http_connections_evicted_total")
    private let refusals: [String: Counter] = Dictionary(uniqueKeysWithValues: ["overflow", "closed"].map {
        ($0, Counter(label: "http_connections_refused_total", dimensions: [("reason", $0)]))
    })
    private let timeouts: [String: Counter] = Dictionary(uniqueKeysWithValues: ["head", "body", "keep_alive", "write"].map {
        ($0, Counter(label: "http_connection_timeouts_total", dimensions: [("phase", $0)]))
    })
    private let protocolErrors: [String: Counter] = Dictionary(uniqueKeysWithValues: ["request_line", "parser", "body"].map {
        ($0, Counter(label: "http_protocol_errors_total", dimensions: [("kind", $0)]))
    })

    func refused(reason: String) { refusals[reason]?.increment() }
    func timedOut(phase: String) { timeouts[phase]?.increment() }
    func rejected(reason: String) { protocolErrors[reason]?.increment() }
}

extension OracleConfig.ConnectionSettings {
    /// `MAX_CONNECTIONS`, lowered to what the open-file limit (raised to its hard value) can hold.
    var effectiveMaxConnections: Int {
        ConnectionBudget.fitting(configured: maxConnections, openFileLimit: ConnectionBudget.raiseOpenFileLimit())
    }

    var clockLimits: ConnectionClock.Limits {
        .init(head: .milliseconds(Int64(requestHeadTimeoutMs)), body: .milliseconds(Int64(requestBodyTimeoutMs)),
              keepAlive: .milliseconds(Int64(keepAliveTimeoutMs)), writeStall: .milliseconds(Int64(responseWriteTimeoutMs)))
    }

    func clockLimits(maxBodyBytes: Int) -> ConnectionClock.Limits {
        var limits = clockLimits
        limits.maxBodyBytes = maxBodyBytes
        limits.overflowHead = .milliseconds(Int64(overflowHeadTimeoutMs))
        return limits
    }
}
