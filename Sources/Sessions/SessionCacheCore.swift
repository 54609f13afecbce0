import LLM

/// The cache's data: entries by session id plus a recency list (most recently used first).
///
/// Not thread-safe and deliberately not `Sendable`: ``SessionCache`` owns the only instance
/// inside a `Mutex`, which serialises every access.
final class SessionCacheCore {
    final class Entry {
        let sessionID: String
        /// The session's owner: a lookup by another tenant is a miss, never another tenant's context.
        var tenant: String
        /// The history turns to send next time (no system prompt), already trimmed to `limits`.
        var turns: [ChatTurn]
        var limits: ContextLimits
        /// Monotonic seconds of the last use.
        var lastUsed: Double
        /// Towards the most recently used end.
        weak var newer: Entry?
        /// Towards the least recently used end.
        var older: Entry?

        init(sessionID: String, tenant: String, turns: [ChatTurn], limits: ContextLimits, lastUsed: Double) {
            self.sessionID = sessionID
            self.tenant = tenant
            self.turns = turns
            self.limits = limits
            self.lastUsed = lastUsed
        }

        /// What the entry holds, estimated from its text: the bytes of its strings plus a fixed
        /// allowance per turn (the turn, its string's heap header) and per entry (the object,
        /// its dictionary slot and links). Not a measurement of the heap — counted once per
        /// change so reading the total costs nothing — but it grows and shrinks with what the
        /// cache really keeps, which is what a cleanup's "freed" has to say.
        var estimatedBytes: Int {
            Self.entryOverhead + sessionID.utf8.count + tenant.utf8.count
                + turns.reduce(0) { $0 + Self.turnOverhead + $1.content.utf8.count }
        }

        static let entryOverhead = 160
        static let turnOverhead = 48
    }

    private var entries: [String: Entry] = [:]
    /// Most recently used.
    private var newest: Entry?
    /// Least recently used, i.e. idle longest.
    private weak var oldest: Entry?

    var count: Int { entries.count }
    /// The sum of every entry's ``Entry/estimatedBytes``, kept up to date by each change.
    private(set) var estimatedBytes = 0

    deinit { _ = removeAll() }

    func contains(_ sessionID: String) -> Bool { entries[sessionID] != nil }

    func peek(_ sessionID: String) -> [ChatTurn]? { entries[sessionID]?.turns }

    /// The cached turns when the tenant owns the session and they were built with the same
    /// limits; a use moves the entry to the front.
    func lookup(_ sessionID: String, tenant: String, limits: ContextLimits, now: Double) -> [ChatTurn]? {
        guard let entry = entries[sessionID], entry.tenant == tenant, entry.limits == limits else { return nil }
        entry.lastUsed = now
        moveToFront(entry)
        return entry.turns
    }

    func store(_ sessionID: String, tenant: String, turns: [ChatTurn], limits: ContextLimits, now: Double) {
        if let entry = entries[sessionID] {
            estimatedBytes -= entry.estimatedBytes
            entry.tenant = tenant
            entry.turns = turns
            entry.limits = limits
            entry.lastUsed = now
            estimatedBytes += entry.estimatedBytes
            moveToFront(entry)
            return
        }
        let entry = Entry(sessionID: sessionID, tenant: tenant, turns: turns, limits: limits, lastUsed: now)
        entries[sessionID] = entry
        estimatedBytes += entry.estimatedBytes
        linkAtFront(entry)
    }

    @discardableResult
    func remove(_ sessionID: String) -> Bool {
        guard let entry = entries.removeValue(forKey: sessionID) else { return false }
        estimatedBytes -= entry.estimatedBytes
        unlink(entry)
        return true
    }

    /// Evicts least recently used entries until at most `capacity` remain; returns how many.
    func evictLeastRecentlyUsed(toCapacity capacity: Int) -> Int {
        var evicted = 0
        while entries.count > max(0, capacity), let victim = oldest {
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
