// Reload-to-active latency: a policy file is rewritten while evaluations run; how long until
// the new version answers (file write → new version serving), and did any evaluation fail?
// Target: p95 ≤ 250 ms with the default 100 ms watch interval. Prints its figures.
import Foundation
import Logging
import LuaRuntime
import OracleCore
import Policies
import Storage

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let work = NSTemporaryDirectory() + "oracle-reload-bench-\(getpid())"
let fm = FileManager.default
try? fm.removeItem(atPath: work)
try fm.createDirectory(atPath: work, withIntermediateDirectories: true)
try fm.copyItem(atPath: root.appendingPathComponent("policies").path, toPath: work + "/policies")
try fm.copyItem(atPath: root.appendingPathComponent("lua").path, toPath: work + "/lua")
defer { try? fm.removeItem(atPath: work) }

let store = try SQLiteStore(location: DatabaseLocation(path: work + "/bench.db"))
try await store.migrate()
var logger = Logger(label: "bench")
logger.logLevel = .error
let host = PolicyHost(configuration: .init(policiesDirectory: work + "/policies", luaDirectory: work + "/lua"),
                      store: store, logger: logger)
await host.start()
let watcher = PolicyWatcher(host: host, interval: .milliseconds(100), logger: logger)
let watching = Task { try await watcher.run() }

let input = RolloutInput(sessionID: "bench", tenantID: "t", settings: .init(usePersistentSessions: true, rolloutPercentage: 50))
let original = try String(contentsOfFile: work + "/policies/rollout.lua", encoding: .utf8)
let rounds = 20
var latencies: [Double] = []
var evaluations = 0
var fallbacks = 0
for round in 0..<rounds {
    let text = original + "\n-- bench round \(round)\n"
    let expected = PolicySource.hash(of: text)
    try await Task.sleep(for: .milliseconds(150))
    let start = ContinuousClock.now
    try text.write(toFile: work + "/policies/rollout.lua", atomically: true, encoding: .utf8)
    while true {
        let decision = await host.decideRollout(input, record: false)
        evaluations += 1
        if decision.isFallback { fallbacks += 1 }
        if decision.version == expected { break }
        if ContinuousClock.now - start > .seconds(5) { print("round \(round): new version not active after 5 s"); break }
        try await Task.sleep(for: .milliseconds(1))
    }
    latencies.append((ContinuousClock.now - start).milliseconds)
}
watching.cancel()
let sorted = latencies.sorted()
let pct = { (p: Double) -> Double in sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))] }
print("policy reload (file write → new version serving), \(rounds) rounds, watch interval 100 ms, tests run before activation")
print(String(format: "  p50 %.1f ms   p95 %.1f ms   max %.1f ms   (target p95 ≤ 250 ms)", pct(0.5), pct(0.95), sorted.last!))
print("  evaluations during swaps: \(evaluations), failed/fallback: \(fallbacks)")
try store.close()
