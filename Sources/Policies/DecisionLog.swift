import Foundation
import LuaRuntime
import OracleCore
import Storage
import ServiceLifecycle
import Synchronization

/// The bounded, sampled record of policy decisions: input, output, version, duration.
///
/// Evaluations append to an in-memory buffer (never waiting on the database); ``flush()``
/// writes it to SQLite, keeping at most `limit` rows and `byteLimit` bytes of recorded inputs,
/// outputs and errors (the oldest decisions go first). Inputs and outputs pass through the
/// redactor, so no configured secret is ever recorded. Each recorded field is at most
/// ``maxFieldBytes``: a larger input or output is replaced by ``truncationMarker(bytes:)``, a
/// longer error is cut with a marker.
public final class DecisionLog: Sendable {
    let store: SQLiteStore?
    let sampleRates: [PolicyKind: Double]
    let limit: Int
    let byteLimit: Int
    let redactor: Redactor
    private let state = Mutex(State())

    struct State {
        var pending: [StoredDecision] = []
        var counters: [PolicyKind: Int] = [:]
        var dropped = 0
    }

    /// Pending decisions beyond this are dropped (and counted) rather than grow memory.
    static let maxPending = 10_000

    /// Longest recorded input JSON, output JSON or error text, in UTF-8 bytes (16 KiB): whatever
    /// a policy is given, returns or raises, one decision stays small.
    public static let maxFieldBytes = 16 * 1024

    /// What is recorded instead of an input or output JSON longer than ``maxFieldBytes``: a
    /// small valid JSON object that says so and how long it was.
    public static func truncationMarker(bytes: Int) -> String {
        #"{"truncated":true,"original_bytes":\#(bytes)}"#
    }

    /// True for a recorded input or output that ``truncationMarker(bytes:)`` replaced.
    public static func isTruncationMarker(_ value: LuaValue) -> Bool {
        guard let fields = value.tableValue else { return false }
        return fields.count == 2 && fields["truncated"] == .bool(true) && fields["original_bytes"]?.integerValue != nil
    }

    /// The JSON of a recorded input or output, redacted and bounded.
    func recordable(_ value: LuaValue) -> String {
        let json = redactor.redact((try? LuaHelpers.jsonEncode(value)) ?? "null")
        let bytes = json.utf8.count
        return bytes <= Self.maxFieldBytes ? json : Self.truncationMarker(bytes: bytes)
    }

    init(store: SQLiteStore?, sampleRates: [PolicyKind: Double], limit: Int, byteLimit: Int, redactor: Redactor) {
        self.store = store
        self.sampleRates = sampleRates
        self.limit = limit
        self.byteLimit = byteLimit
        self.redactor = redactor
    }

    func record(_ kind: PolicyKind, version: String?, input: LuaValue, output: LuaValue,
                duration: Duration, fallback: Bool, error: String?) {
        let rate = min(1, max(0, sampleRates[kind] ?? 1))
        let sampled = state.withLock { state -> Bool in
            let count = state.counters[kind, default: 0]
            state.counters[kind] = count + 1
            // Deterministic sampling: record when the running share crosses an integer.
            return fallback || (Double(count + 1) * rate).rounded(.down) > (Double(count) * rate).rounded(.down)
        }
        guard sampled else { return }
        let decision = StoredDecision(
            policy: kind.rawValue, version: version,
            input: recordable(input), output: recordable(output),
            durationMicros: Int(duration.microseconds),
            // Redacted before it is cut, so no part of a secret can survive the cut.
            fallback: fallback, error: error.map { redactor.redact($0).limitedUTF8(to: Self.maxFieldBytes) }, createdAt: Date())
        state.withLock { state in
            if state.pending.count < Self.maxPending { state.pending.append(decision) } else { state.dropped += 1 }
        }
    }

    /// Writes pending decisions to the database.
    public func flush() async {
        guard let store else { return }
        let batch = state.withLock { state -> [StoredDecision] in
            defer { state.pending.removeAll(keepingCapacity: true) }
            return state.pending
        }
        try? await store.appendDecisions(batch, keepAtMost: limit, keepBytesAtMost: byteLimit)
    }

    /// Recent decisions, newest first (flushes first so the answer is current).
    public func recent(policy: PolicyKind?, since: Date? = nil, limit: Int = 100) async throws -> [StoredDecision] {
        await flush()
        guard let store else { return [] }
        return try await store.decisions(policy: policy?.rawValue, since: since, limit: limit)
    }
}

/// Flushes the decision log every `interval`, and once more on shutdown.
public struct DecisionLogFlusher: Service {
    let log: DecisionLog
    let interval: Duration

    public init(log: DecisionLog, interval: Duration = .seconds(1)) {
        self.log = log
        self.interval = interval
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
            await log.flush()
        }
        await log.flush()
    }
}

// The service group logs each service's description (at debug level and below); the default
// one prints every stored property, secrets among them (webhook URLs with their credentials).
extension DecisionLogFlusher: CustomStringConvertible {
    public var description: String { "DecisionLogFlusher" }
}
