// SessionBench: the persistent-session cache against the stateless path and recovery, with the
// offline provider and a temporary SQLite file. Prints figures; asserts nothing.
//
// Then a working set larger than the cache (issue #19): the cached path against the stateless
// one under round-robin traffic over 10× the cache's sessions and under 80/20 skewed traffic,
// with hit ratios. `SessionBench --only cached:round-robin --messages N` runs one of those rows
// alone (set-up, warm-up, N messages, no timing), for instruction counts: run it under
// `valgrind --tool=callgrind` at two N and divide the difference (bench/callgrind-sessions.sh).
// SESSION_BENCH_CACHE (default 50) and SESSION_BENCH_SESSIONS (default 10× the cache) size it.
//
// Targets (issue #6): a hit adds <= 50 µs p50 over the provider call; recovering 50 messages
// takes <= 1 ms p99; <= 4 KB of memory per cached session.
//
// Every send makes one durable SQLite write (synchronous=FULL; question and reply together),
// whose fsync varies by hundreds
// of microseconds, so the hit path's own cost is measured inside each send: its total time less
// the time spent inside its provider call and its store calls (CountingStore, TimedProvider).
import Foundation
import LLM
import Logging
import OracleCore
import Policies
import Sessions
import Storage

let messagesPerPath = 1_000
let historyMessages = 50
let cachedSessions = 10_000

let folder = NSTemporaryDirectory() + "session-bench-\(UUID().uuidString.prefix(8))"
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: folder) }
let emptyFile = folder + "/empty.env"
try "".write(toFile: emptyFile, atomically: true, encoding: .utf8)

func makeConfig(_ values: [String: String]) async throws -> OracleConfig {
    var values = values
    values["DATABASE_URL"] = folder + "/bench.db"
    return try await ConfigLoader.load(environment: values, configFile: emptyFile).validated()
}

let root = FileManager.default.currentDirectoryPath
let policies = PolicyHost(configuration: .init(policiesDirectory: root + "/policies", luaDirectory: root + "/lua",
                                               sampleRates: [.rollout: 0, .cleanup: 0]),
                          store: nil, logger: Logger(label: "bench"))
await policies.start()
let base = try await makeConfig([:])
let store = try SQLiteStore(location: base.database)
try await store.migrate()
let counting = CountingStore(store)

struct Path: Sendable {
    let name: String
    let chat: ChatService
    let cache: SessionCache
}

func makePath(_ name: String, rollout: Int, capacity: Int = 500) async throws -> Path {
    let config = try await makeConfig(["USE_PERSISTENT_SESSIONS": "true", "GRADUAL_ROLLOUT_PERCENTAGE": "\(rollout)",
                                       "MAX_RECOVERY_HISTORY_MESSAGES": "\(historyMessages)", "MAX_PERSISTENT_SESSIONS": "\(capacity)"])
    let live = LiveSettings(config: config)
    let provider = TimedProvider(clock: counting.clock)
    let chat = ChatService(store: counting, provider: provider, systemPrompt: "", live: live, policies: policies)
    return Path(name: name, chat: chat, cache: chat.cache)
}

/// A session with `historyMessages` stored messages, written straight to the store.
func sessionWithHistory() async throws -> String {
    let id = try await store.createSession(tenant: "default", title: "bench").id
    for n in 0..<historyMessages {
        _ = try await store.appendMessage(NewMessage(role: n % 2 == 0 ? .user : .assistant, content: "message \(n) of the history"),
                                          sessionID: id, tenant: "default")
    }
    return id
}

func report(_ name: String, _ samples: [Duration], reads: Int? = nil) {
    let sorted = samples.map(\.microseconds).sorted()
    func pct(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
    var line = name.padding(toLength: 34, withPad: " ", startingAt: 0) + String(format: " p50 %8.1f µs   p99 %8.1f µs", pct(0.5), pct(0.99))
    if let reads { line += String(format: "   history reads/message %.2f", Double(reads) / Double(samples.count)) }
    print(line)
}

/// `count` sessions with `historyMessages` stored messages each, one transaction per session.
func sessionsWithHistory(_ count: Int) async throws -> [String] {
    var ids: [String] = []
    for _ in 0..<count {
        let id = try await store.createSession(tenant: "default", title: "bench").id
        _ = try await store.appendMessages((0..<historyMessages).map {
            NewMessage(role: $0 % 2 == 0 ? .user : .assistant, content: "message \($0) of the history")
        }, sessionID: id, tenant: "default")
        ids.append(id)
    }
    return ids
}

let environment = ProcessInfo.processInfo.environment
let workingSetCache = Int(environment["SESSION_BENCH_CACHE"] ?? "") ?? 50
let workingSetSessions = Int(environment["SESSION_BENCH_SESSIONS"] ?? "") ?? 10 * workingSetCache
func argument(_ name: String) -> String? {
    CommandLine.arguments.firstIndex(of: name).flatMap { $0 + 1 < CommandLine.arguments.count ? CommandLine.arguments[$0 + 1] : nil }
}

/// One row of the working-set table: its own chat service (its own, cold cache) and sessions.
func workingSetRun(_ path: String, _ shape: TrafficShape, measured: Int) async throws -> WorkingSetRun {
    let chatPath = try await makePath(path, rollout: path == "cached" ? 100 : 0, capacity: workingSetCache)
    let sessions = shape == .fits ? min(workingSetSessions, max(1, workingSetCache / 2)) : workingSetSessions
    let ids = try await sessionsWithHistory(sessions)
    // Two rounds' worth of warm-up: the cache is full and in its steady state before measuring.
    let warmUp = 2 * sessions
    return WorkingSetRun(path: path, shape: shape, chat: chatPath.chat, ids: ids,
                         order: shape.sessions(count: warmUp + measured, workingSet: sessions, cache: workingSetCache), warmUp: warmUp)
}

if let only = argument("--only") {
    // One row alone, for callgrind: no timing, no other path in the process.
    let parts = only.split(separator: ":").map(String.init)
    guard parts.count == 2, ["cached", "stateless"].contains(parts[0]), let shape = TrafficShape(rawValue: parts[1]) else {
        print("usage: SessionBench --only cached|stateless:fits|round-robin|skewed [--messages N]")
        exit(2)
    }
    let run = try await workingSetRun(parts[0], shape, measured: Int(argument("--messages") ?? "") ?? 1_000)
    let stats = try await Task.detached { () async throws -> SessionCacheStats in
        for n in 0..<run.order.count { try await run.send(n) }
        return run.chat.cache.stats
    }.value
    print("\(run.label): \(run.order.count - run.warmUp) messages after \(run.warmUp) warm-up; cache \(stats.active)/\(workingSetCache),"
          + " hits \(stats.hits), misses \(stats.misses), stateless \(stats.statelessMessages)")
    try store.close()
    exit(0)
}

/// Runs a timed loop off the main actor, as the server's request handlers run: top-level code
/// is main-actor isolated, and every await there would add two executor hops to each sample.
func timed(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws -> [Duration] {
    try await Task.detached {
        var samples: [Duration] = []
        samples.reserveCapacity(count)
        for n in 0..<count {
            let start = ContinuousClock.now
            try await body(n)
            samples.append(.now - start)
        }
        return samples
    }.value
}

// The durable write every message makes (user message and reply together), without any context work.
let writesID = try await store.createSession(tenant: "default", title: "writes").id

let hit = try await makePath("cache hit", rollout: 100)
let stateless = try await makePath("stateless", rollout: 0)
let recovery = try await makePath("recovery", rollout: 100)
let sessions = (hit: try await sessionWithHistory(), stateless: try await sessionWithHistory(), recovery: try await sessionWithHistory())
for (path, id) in [(hit, sessions.hit), (stateless, sessions.stateless), (recovery, sessions.recovery)] {
    _ = try await path.chat.send(sessionID: id, tenant: "default", content: "warm up")
}

/// One measured path: each message's total time, its own time (less the time inside the
/// provider and the store calls of that same message), and the history reads it made.
struct Samples: Sendable {
    var total: [Duration] = []
    var own: [Duration] = []
    var reads = 0
}

/// The paths run in rounds, one message each per round, so all of them meet the same disk
/// state (WAL size, checkpoints): the durable writes dominate every path and drift over a run.
let results = try await Task.detached { () async throws -> [String: Samples] in
    var results: [String: Samples] = [:]
    func measure(_ name: String, _ body: () async throws -> Void) async rethrows {
        _ = counting.clock.take()
        let reads = counting.reads
        let start = ContinuousClock.now
        try await body()
        let total = ContinuousClock.now - start
        results[name, default: Samples()].total.append(total)
        results[name, default: Samples()].own.append(total - counting.clock.take())
        results[name, default: Samples()].reads += counting.reads - reads
    }
    for n in 0..<messagesPerPath {
        // The provider alone, with the context the cache-hit path sends this round.
        let context = (hit.cache.cachedTurns(sessions.hit) ?? []) + [ChatTurn(role: .user, content: "question \(n)")]
        try await measure("provider call alone") { _ = try await OfflineProvider().complete(CompletionRequest(messages: context)) }
        try await measure("the exchange's write alone") {
            _ = try await store.appendMessages([NewMessage(role: .user, content: "question \(n)"),
                                                NewMessage(role: .assistant, content: "answer \(n)")],
                                               sessionID: writesID, tenant: "default")
        }
        try await measure("cache hit") { _ = try await hit.chat.send(sessionID: sessions.hit, tenant: "default", content: "question \(n)") }
        try await measure("stateless (rebuilt from SQLite)") {
            _ = try await stateless.chat.send(sessionID: sessions.stateless, tenant: "default", content: "question \(n)")
        }
        // Eviction is set-up, not part of the measured send.
        recovery.cache.removeAll(reason: .manual)
        try await measure("cache miss + recovery") {
            _ = try await recovery.chat.send(sessionID: sessions.recovery, tenant: "default", content: "question \(n)")
        }
    }
    return results
}.value

let order = ["provider call alone", "the exchange's write alone", "cache hit", "stateless (rebuilt from SQLite)", "cache miss + recovery"]
print("SessionBench: \(messagesPerPath) messages per path, \(historyMessages)-message history, SQLite file, offline provider")
for name in order {
    let samples = results[name]!
    report(name, samples.total, reads: name.hasPrefix("c") || name.hasPrefix("s") ? samples.reads : nil)
}
print("per message, less the time spent inside its provider call and its store calls:")
for name in order.dropFirst(2) { report("  " + name, results[name]!.own) }
func p50(_ samples: [Duration]) -> Double { samples.map(\.microseconds).sorted()[samples.count / 2] }
let hitOwn = p50(results["cache hit"]!.own)
print(String(format: "hit path cost over the provider call and its durable write (p50) %.1f µs (target ≤ 50 µs)", hitOwn))
print(String(format: "  cross-check from the p50s above: hit − provider − writes = %.1f µs (the writes' fsync makes this one noisy)",
             p50(results["cache hit"]!.total) - p50(results["provider call alone"]!.total) - p50(results["the exchange's write alone"]!.total)))

// A working set larger than the cache: per shape, the stateless and the cached path over their
// own sessions, message by message in turn (the same disk state for both), after a warm-up.
let workingSetMessages = Int(argument("--messages") ?? "") ?? 2_000
print("working set: cache \(workingSetCache) sessions; \(workingSetSessions) sessions of \(historyMessages) messages"
      + " (fits: \(workingSetCache / 2)); \(workingSetMessages) measured messages per row after two rounds of warm-up")
print("  path       shape          p50 total    p50 own    p99 own   hit ratio   history reads/message")
for shape in TrafficShape.allCases {
    let runs = [try await workingSetRun("stateless", shape, measured: workingSetMessages),
                try await workingSetRun("cached", shape, measured: workingSetMessages)]
    let measured = try await Task.detached { () async throws -> [WorkingSetResult] in
        for run in runs { for n in 0..<run.warmUp { try await run.send(n) } }
        var results = Array(repeating: WorkingSetResult(), count: runs.count)
        let before = runs.map(\.chat.cache.stats)
        for step in 0..<workingSetMessages {
            for (index, run) in runs.enumerated() {
                _ = counting.clock.take()
                let reads = counting.reads
                let start = ContinuousClock.now
                try await run.send(run.warmUp + step)
                let total = ContinuousClock.now - start
                results[index].total.append(total)
                results[index].own.append(total - counting.clock.take())
                results[index].reads += counting.reads - reads
            }
        }
        for (index, run) in runs.enumerated() {
            let after = run.chat.cache.stats
            results[index].hits = after.hits - before[index].hits
            results[index].lookups = after.hits + after.misses - before[index].hits - before[index].misses
        }
        return results
    }.value
    for (run, result) in zip(runs, measured) {
        func pct(_ samples: [Duration], _ p: Double) -> Double {
            let sorted = samples.map(\.microseconds).sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
        }
        let ratio = result.lookups == 0 ? "-" : String(format: "%.3f", Double(result.hits) / Double(result.lookups))
        print("  " + run.path.padding(toLength: 10, withPad: " ", startingAt: 0) + " " + shape.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
              + String(format: " %8.1f µs %8.1f µs %8.1f µs", pct(result.total, 0.5), pct(result.own, 0.5), pct(result.own, 0.99))
              + "   " + ratio.padding(toLength: 9, withPad: " ", startingAt: 0)
              + String(format: "   %.2f", Double(result.reads) / Double(result.total.count)))
    }
}

// The recovery read alone: 50 messages from SQLite into context turns.
let recoverID = try await sessionWithHistory()
let recoverySamples = try await timed(messagesPerPath) { _ in
    _ = try await ContextWindow.history(store: store, sessionID: recoverID, tenant: "default",
                                        limits: ContextLimits(maxMessages: historyMessages, tokenBudget: 8000))
}
report("recovery read of 50 messages", recoverySamples)

// Memory per cached session: RSS growth over 10k sessions with tiny texts, so it measures overhead.
let memoryPath = try await makePath("memory", rollout: 100, capacity: cachedSessions)
let limits = ContextLimits(maxMessages: historyMessages, tokenBudget: 8000)
let ids = (0..<cachedSessions).map { _ in UUID().uuidString.lowercased() }
let before = Int(SystemMemory.read().processResidentBytes ?? 0)
for id in ids {
    memoryPath.cache.commit(id, tenant: "default", turns: [ChatTurn(role: .user, content: "hi"), ChatTurn(role: .assistant, content: "ok")], limits: limits)
}
let after = Int(SystemMemory.read().processResidentBytes ?? 0)
print(String(format: "memory per cached session          %8.0f bytes (RSS +%.1f MiB over %d sessions; ids and a 2-turn context)",
             Double(after - before) / Double(cachedSessions), Double(after - before) / 1_048_576, memoryPath.cache.count))
try store.close()
