import LLM
import Storage

/// The bounds of a session's context: most messages (`MAX_RECOVERY_HISTORY_MESSAGES`) and
/// most estimated tokens (`CONTEXT_TOKEN_BUDGET`).
public struct ContextLimits: Sendable, Equatable {
    public var maxMessages: Int
    public var tokenBudget: Int

    public init(maxMessages: Int, tokenBudget: Int) {
        self.maxMessages = maxMessages
        self.tokenBudget = tokenBudget
    }
}

/// The one definition of what history goes upstream, shared by the stateless path (rebuilt
/// from SQLite) and the session cache, so both send exactly the same turns.
///
/// A stored message belongs to the context unless it is a user message whose reply failed or a
/// fallback reply (the configured "service unavailable" text is not the model's words). Of those,
/// the newest `maxMessages` are kept, then the oldest are dropped until the estimated tokens fit
/// the budget; the newest turn is always kept. Trimming is a longest-suffix rule, so
/// `trim(trim(a) + b) == trim(a + b)`: the cache can append to its trimmed turns and stay equal
/// to a rebuild.
///
/// ```swift
/// let turns = ContextWindow.trim(history.filter(ContextWindow.belongs).map(ContextWindow.turn), to: limits)
/// ```
public enum ContextWindow {
    public static func belongs(_ message: StoredMessage) -> Bool {
        belongs(ContextEntry(message))
    }

    public static func belongs(_ entry: ContextEntry) -> Bool {
        entry.status != .failed && !entry.isFallback
    }

    public static func turn(_ message: StoredMessage) -> ChatTurn {
        turn(ContextEntry(message))
    }

    public static func turn(_ entry: ContextEntry) -> ChatTurn {
        ChatTurn(role: entry.role, content: entry.content)
    }

    /// About four characters (UTF-8 bytes) per token, rounded up.
    public static func estimatedTokens(_ text: String) -> Int {
        (text.utf8.count + 3) / 4
    }

    /// The newest turns within the limits (at least the newest one).
    public static func trim(_ turns: [ChatTurn], to limits: ContextLimits) -> [ChatTurn] {
        guard !turns.isEmpty else { return [] }
        var kept = 0
        var tokens = 0
        for turn in turns.reversed() {
            let cost = estimatedTokens(turn.content)
            guard kept < max(1, limits.maxMessages), kept == 0 || tokens + cost <= limits.tokenBudget else { break }
            kept += 1
            tokens += cost
        }
        return kept == turns.count ? turns : Array(turns.suffix(kept))
    }

    /// Reads the newest `limits.maxMessages` messages that belong to the context, reading more
    /// only when failed or fallback messages take places in the window (rare); nil when the
    /// session does not exist for this tenant.
    public static func history(store: any ChatStore, sessionID: String, tenant: String,
                               limits: ContextLimits) async throws -> [ChatTurn]? {
        let wanted = max(1, limits.maxMessages)
        var fetch = wanted
        while true {
            guard let entries = try await store.contextEntries(sessionID: sessionID, tenant: tenant, last: fetch) else {
                return nil
            }
            let eligible = entries.filter(belongs)
            if eligible.count >= wanted || entries.count < fetch {
                return trim(eligible.map(turn), to: limits)
            }
            fetch *= 2
        }
    }
}
