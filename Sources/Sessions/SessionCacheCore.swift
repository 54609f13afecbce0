import LLM

/// The cache's data: entries by session id plus a recency list (most recently used first), kept
/// within two bounds at once: at most `Bounds.entries` sessions and at most `Bounds.bytes`
/// estimated bytes; the least recently used go first, whichever bound is crossed.
///
/// Admission (TinyLFU's rule): a session that is not cached and would push the least recently
/// used one out gets in only when it was looked up more often lately than that one
/// (``FrequencySketch``), unless its insertion is ``Insertion/always`` (a new session's first
/// exchange). Under round-robin over more sessions than fit, every lookup is a miss with LRU
/// alone, and each miss costs an insert and an eviction for an entry that is evicted again
/// before it is used; with the rule, what the cache holds stays put and keeps its hits, and a
/// declined miss costs what the stateless path costs. Under skewed traffic the sessions used
/// most displace the ones used least. While the cache has room everything is admitted.
///
/// Not thread-safe and deliberately not `Sendable`: ``SessionCache`` owns the only instance
/// inside a `Mutex`, which serialises every access.
final class SessionCacheCore {
    /// The two bounds the cache keeps.
    struct Bounds: Equatable {
        var entries: Int
        var bytes: Int
    }

    /// How a session that is not cached yet may enter.
    enum Insertion: Equatable {
        /// Whatever it displaces: a new session's first exchange (about to be continued, and
        /// built without reading anything).
        case always
        /// Only while there is room, or when it was looked up more often lately than the least
        /// recently used session it would displace: a session recovered after a miss.
        case ifMoreFrequent
    }

    /// What a ``store(_:tenant:turns:limits:now:insertion:bounds:)`` did.
    struct StoreOutcome: Equatable {
        enum Result: Equatable {
            /// Cached (new or replaced).
            case stored
            /// Not cached: it was used less often than the session it would displace.
            case declined
            /// Not cached: its context alone is larger than the byte bound (any older entry of
            /// the session is gone too, since it is stale now).
            case tooLarge
        }
        var result: Result
        /// Other sessions evicted to keep the bounds.
        var evicted: Int
    }

    final class Entry {
        let sessionID: String
        /// The session's owner: a lookup by another tenant is a miss, never another tenant's context.
        var tenant: String
        /// The history turns to send next time (no system prompt), already trimmed to `limits`.
        var turns: [ChatTurn]
        var limits: ContextLimits
        /// ``estimate(sessionID:tenant:turns:)`` of what it holds, counted once per change.
        var bytes: Int
        /// Monotonic seconds of the last use.
        var lastUsed: Double
        /// Towards the most recently used end.
        weak var newer: Entry?
        /// Towards the least recently used end.
        var older: Entry?

        init(sessionID: String, tenant: String, turns: [ChatTurn], limits: ContextLimits, bytes: Int, lastUsed: Double) {
            self.sessionID = sessionID
            self.tenant = tenant
            self.turns = turns
            self.limits = limits
            self.bytes = bytes
            self.lastUsed = lastUsed
        }

        /// What the entry holds, estimated from its text: the bytes of its strings plus a fixed
        /// allowance per turn (the turn, its string's heap header) and per entry (the object,
        /// its dictionary slot and links). Not a measurement of the heap — counted once per
        /// change so reading the total costs nothing — but it grows and shrinks with what the
        /// cache really keeps, which is what a cleanup's "freed" has to say.
        static func estimate(sessionID: String, tenant: String, turns: [ChatTurn]) -> Int {
            entryOverhead + sessionID.utf8.count + tenant.utf8.count
                + turns.reduce(0) { $0 + turnOverhead + $1.content.utf8.count }
        }

        static let entryOverhead = 160
        static let turnOverhead = 48
    }

    private var entries: [String: Entry] = [:]
    /// Most recently used.
    private var newest: Entry?
    /// Least recently used, i.e. idle longest.
    private weak var oldest: Entry?

    /// Lookups lately, for admission; sized for the capacity it last saw.
    private var sketch = FrequencySketch(capacity: 1)

    var count: Int { entries.count }
    /// The sum of every entry's ``Entry/bytes``, kept up to date by each change.
    private(set) var estimatedBytes = 0

    deinit { _ = removeAll() }

    func contains(_ sessionID: String) -> Bool { entries[sessionID] != nil }

    func peek(_ sessionID: String) -> [ChatTurn]? { entries[sessionID]?.turns }

    /// The sketch's estimate of the session's lookups lately (tests, diagnostics).
    func frequency(_ sessionID: String) -> Int { sketch.frequency(sessionID) }

    /// The cached turns when the tenant owns the session and they were built with the same
    /// limits; a use moves the entry to the front. Every lookup, hit or miss, counts towards
    /// the session's frequency (admission compares them); `capacity` sizes the sketch.
    func lookup(_ sessionID: String, tenant: String, limits: ContextLimits, now: Double, capacity: Int) -> [ChatTurn]? {
        if sketch.capacity != max(1, capacity) { sketch = FrequencySketch(capacity: capacity) }
        sketch.record(sessionID)
        guard let entry = entries[sessionID], entry.tenant == tenant, entry.limits == limits else { return nil }
        entry.lastUsed = now
        moveToFront(entry)
        return entry.turns
    }

    /// Caches a session's turns within `bounds` (see ``Insertion`` for who may enter), evicting
    /// least recently used sessions as needed; a context larger than `bounds.bytes` on its own
    /// is not cached.
    func store(_ sessionID: String, tenant: String, turns: [ChatTurn], limits: ContextLimits, now: Double,
               insertion: Insertion, bounds: Bounds) -> StoreOutcome {
        let bytes = Entry.estimate(sessionID: sessionID, tenant: tenant, turns: turns)
        if bytes > bounds.bytes {
            remove(sessionID)
            return StoreOutcome(result: .tooLarge, evicted: 0)
        }
        if let entry = entries[sessionID] {
            estimatedBytes += bytes - entry.bytes
            entry.tenant = tenant
            entry.turns = turns
            entry.limits = limits
            entry.bytes = bytes
            entry.lastUsed = now
            moveToFront(entry)
            return StoreOutcome(result: .stored, evicted: evict(toFit: bounds))
        }
        // The candidate's own lookup that missed is in the sketch already; the victim's last
        // one may have been halved away since. Comparing the lookups *before* this one
        // (frequency − 1) keeps round-robin traffic from churning the cache: with it, every
        // session of a round-robin ties and the cache keeps what it has, a hit for 1 in
        // (working set / capacity) lookups; without it, about every candidate seen just after
        // a halving wins and evicts the very session that comes next.
        if insertion == .ifMoreFrequent, let victim = oldest,
           entries.count + 1 > max(1, bounds.entries) || estimatedBytes + bytes > bounds.bytes,
           sketch.frequency(sessionID) - 1 <= sketch.frequency(victim.sessionID) {
            return StoreOutcome(result: .declined, evicted: 0)
        }
        let entry = Entry(sessionID: sessionID, tenant: tenant, turns: turns, limits: limits, bytes: bytes, lastUsed: now)
        entries[sessionID] = entry
        estimatedBytes += bytes
        linkAtFront(entry)
        return StoreOutcome(result: .stored, evicted: evict(toFit: bounds))
    }

    @discardableResult
    func remove(_ sessionID: String) -> Bool {
        guard let entry = entries.removeValue(forKey: sessionID) else { return false }
        estimatedBytes -= entry.bytes
        unlink(entry)
        return true
    }

    /// Evicts least recently used entries until both bounds hold; by default never the most
    /// recently used one (just stored, and within the byte bound on its own). Returns how many;
    /// `sparingNewest: false` (a lowered bound) may evict it too.
    func evict(toFit bounds: Bounds, sparingNewest: Bool = true) -> Int {
        var evicted = 0
        while entries.count > max(sparingNewest ? 1 : 0, bounds.entries) || estimatedBytes > bounds.bytes,
              let victim = oldest, !(sparingNewest && victim === newest) {
            remove(victim.sessionID)
            evicted += 1
        }
        return evicted
    }

    /// Evicts entries idle longer than `ttl` seconds, idle-longest first, at most `limit`.
    /// A `ttl` of 0 means regardless of recency: even an entry used this very instant goes.
    func evictIdle(longerThan ttl: Double, now: Double, limit: Int) -> Int {
        var evicted = 0
        while evicted < limit, let victim = oldest, ttl <= 0 || now - victim.lastUsed > ttl {
            remove(victim.sessionID)
            evicted += 1
        }
        return evicted
    }

    func removeAll() -> Int {
        let count = entries.count
        // Unlink iteratively: dropping a long `older` chain at once would recurse in deinit.
        while let victim = oldest { remove(victim.sessionID) }
        return count
    }

    private func moveToFront(_ entry: Entry) {
        guard newest !== entry else { return }
        unlink(entry)
        linkAtFront(entry)
    }

    private func linkAtFront(_ entry: Entry) {
        entry.older = newest
        entry.newer = nil
        newest?.newer = entry
        newest = entry
        if oldest == nil { oldest = entry }
    }

    private func unlink(_ entry: Entry) {
        let newer = entry.newer
        let older = entry.older
        newer?.older = older
        older?.newer = newer
        if newest === entry { newest = older }
        if oldest === entry { oldest = newer }
        entry.newer = nil
        entry.older = nil
    }
}
