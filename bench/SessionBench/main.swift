// SessionBench: the persistent-session cache against the stateless path and recovery, with the
// offline provider and a temporary SQLite file. Prints figures; asserts nothing.
//
// Targets (issue #6): a hit adds <= 50 µs p50 over the provider call; recovering 50 messages
// takes <= 1 ms p99; <= 4 KB of memory per cached session.
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

struct Path {
    let name: String
    let chat: ChatService
    let cache: SessionCache
}

func makePath(_ name: String, rollout: Int, capacity: Int = 500) async throws -> Path {
    let config = try await makeConfig(["USE_PERSISTENT_SESSIONS": "true", "GRADUAL_ROLLOUT_PERCENTAGE": "\(rollout)",
                                       "MAX_RECOVERY_HISTORY_MESSAGES": "\(historyMessages)", "MAX_PERSISTENT_SESSIONS": "\(capacity)"])
    let live = LiveSettings(config: config)
    let cache = SessionCache(live: live, rollout: RolloutGate(policies: policies, live: live), store: counting)
    return Path(name: name, chat: ChatService(store: counting, provider: OfflineProvider(), systemPrompt: "", cache: cache), cache: cache)
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

func microseconds(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12
}

func report(_ name: String, _ samples: [Duration], reads: Int? = nil) {
    let sorted = samples.map(microseconds).sorted()
    func pct(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
    var line = name.padding(toLength: 34, withPad: " ", startingAt: 0) + String(format: " p50 %8.1f µs   p99 %8.1f µs", pct(0.5), pct(0.99))
    if let reads { line += String(format: "   history reads/message %.2f", Double(reads) / Double(samples.count)) }
    print(line)
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

// Provider alone, with a 50-turn context like the one the paths send.
let context = (0..<historyMessages).map { ChatTurn(role: $0 % 2 == 0 ? .user : .assistant, content: "message \($0) of the history") }
let providerSamples = try await timed(messagesPerPath) { _ in
    _ = try await OfflineProvider().complete(CompletionRequest(messages: context))
}

// The two durable writes every message makes (user message, reply), without any context work.
let writesID = try await store.createSession(tenant: "default", title: "writes").id
let writeSamples = try await timed(messagesPerPath) { n in
    _ = try await store.appendMessage(NewMessage(role: .user, content: "question \(n)"), sessionID: writesID, tenant: "default")
    _ = try await store.appendMessage(NewMessage(role: .assistant, content: "answer \(n)"), sessionID: writesID, tenant: "default")
}

print("SessionBench: \(messagesPerPath) messages per path, \(historyMessages)-message history, SQLite file, offline provider")
report("provider call alone", providerSamples)
report("two message writes alone", writeSamples)
var hitP50 = 0.0

for (name, rollout, evictEach) in [("cache hit", 100, false), ("stateless (rebuilt from SQLite)", 0, false),
                                   ("cache miss + recovery", 100, true)] {
    let path = try await makePath(name, rollout: rollout)
    let id = try await sessionWithHistory()
    _ = try await path.chat.send(sessionID: id, tenant: "default", content: "warm up")
    counting.reset()
    let chat = path.chat, cache = path.cache
    let samples: [Duration]
    if evictEach {
        // Eviction is set-up, not part of the measured send.
        var collected: [Duration] = []
        for n in 0..<messagesPerPath {
            cache.removeAll(reason: .manual)
            collected += try await timed(1) { _ in
                _ = try await chat.send(sessionID: id, tenant: "default", content: "question \(n)")
            }
        }
        samples = collected
    } else {
        samples = try await timed(messagesPerPath) { n in
            _ = try await chat.send(sessionID: id, tenant: "default", content: "question \(n)")
        }
    }
    report(name, samples, reads: counting.reads)
    if name == "cache hit" { hitP50 = samples.map(microseconds).sorted()[samples.count / 2] }
}
func p50(_ samples: [Duration]) -> Double { samples.map(microseconds).sorted()[samples.count / 2] }
print(String(format: "hit path overhead (hit − provider − two writes, p50) %8.1f µs", hitP50 - p50(providerSamples) - p50(writeSamples)))

// The recovery read alone: 50 messages from SQLite into context turns.
let recoverID = try await sessionWithHistory()
let recoverySamples = try await timed(messagesPerPath) { _ in
    _ = try await ContextWindow.history(store: store, sessionID: recoverID, tenant: "default",
                                        limits: ContextLimits(maxMessages: historyMessages, tokenBudget: 8000))
}
report("recovery read of 50 messages", recoverySamples)
print("(a send includes two durable SQLite writes with synchronous=FULL; compare the hit with the provider call for the cache's own cost)")

// Memory per cached session: RSS growth over 10k sessions with tiny texts, so it measures overhead.
let memoryPath = try await makePath("memory", rollout: 100, capacity: cachedSessions)
let limits = ContextLimits(maxMessages: historyMessages, tokenBudget: 8000)
let ids = (0..<cachedSessions).map { _ in UUID().uuidString.lowercased() }
let before = MemoryUsage.residentBytes() ?? 0
for id in ids {
    memoryPath.cache.commit(id, turns: [ChatTurn(role: .user, content: "hi"), ChatTurn(role: .assistant, content: "ok")], limits: limits)
}
let after = MemoryUsage.residentBytes() ?? 0
print(String(format: "memory per cached session          %8.0f bytes (RSS +%.1f MiB over %d sessions; ids and a 2-turn context)",
             Double(after - before) / Double(cachedSessions), Double(after - before) / 1_048_576, memoryPath.cache.count))
try store.close()
