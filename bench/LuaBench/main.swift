// LuaBench: cost of a policy decision through LuaRuntime versus a bare lua_pcall.
// Usage: swift run -c release LuaBench [policies-dir]   (default: ./policies)
// Prints figures only; nothing here is asserted.
import CLua
import Foundation
import LuaRuntime

let policiesDirectory = CommandLine.arguments.dropFirst().first ?? "policies"

@MainActor func readPolicy(_ name: String) -> String? {
    try? String(contentsOfFile: "\(policiesDirectory)/\(name)", encoding: .utf8)
}

let inlineRollout = """
function decide(ctx)
  local settings = ctx.settings
  if not settings.use_persistent_sessions then return { enabled = false, reason = "disabled" } end
  local b = bucket(ctx.session_id)
  local pct = settings.rollout_percentage
  if b <= pct then return { enabled = true, reason = string.format("bucket %d <= rollout %d%%", b, pct) } end
  return { enabled = false, reason = string.format("bucket %d > rollout %d%%", b, pct) }
end
"""
let rolloutFile = readPolicy("rollout.lua")
let rolloutSource = rolloutFile ?? inlineRollout
let rolloutOrigin = rolloutFile == nil ? "inline rollout-like decide" : "\(policiesDirectory)/rollout.lua decide"

let sessionIDs = (0..<1024).map { "0b3f\($0)-5c1e-4d8a-9f27-\(String($0 &* 7919, radix: 16))" }
let contexts: [LuaValue] = sessionIDs.map {
    ["session_id": .string($0), "tenant_id": "tenant-7",
     "settings": ["use_persistent_sessions": true, "rollout_percentage": 50], "overrides": [:]]
}

@inline(__always) func nanoseconds() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}

struct Figures {
    var p50: Double, p99: Double, perSecond: Double
}

/// Times `samples` single calls for percentiles, then `samples` calls in one batch for throughput.
func measure(samples: Int = 200_000, _ body: (Int) throws -> Void) rethrows -> Figures {
    for i in 0..<20_000 { try body(i) }  // warm up
    var times = [UInt64](repeating: 0, count: samples)
    for i in 0..<samples {
        let start = nanoseconds()
        try body(i)
        times[i] = nanoseconds() - start
    }
    times.sort()
    let start = nanoseconds()
    for i in 0..<samples { try body(i) }
    let elapsed = Double(nanoseconds() - start) / 1e9
    return Figures(p50: Double(times[samples / 2]), p99: Double(times[samples * 99 / 100]), perSecond: Double(samples) / elapsed)
}

func measureAsync(
    samples: Int = 200_000, isolation: isolated (any Actor)? = #isolation, _ body: (Int) async throws -> Void
) async rethrows -> Figures {
    for i in 0..<20_000 { try await body(i) }
    var times = [UInt64](repeating: 0, count: samples)
    for i in 0..<samples {
        let start = nanoseconds()
        try await body(i)
        times[i] = nanoseconds() - start
    }
    times.sort()
    let start = nanoseconds()
    for i in 0..<samples { try await body(i) }
    let elapsed = Double(nanoseconds() - start) / 1e9
    return Figures(p50: Double(times[samples / 2]), p99: Double(times[samples * 99 / 100]), perSecond: Double(samples) / elapsed)
}

// MARK: (1) bare lua_pcall with hand-pushed arguments

func pushBytes(_ L: OpaquePointer, _ text: String) {
    var text = text
    text.withUTF8 { _ = lua_pushlstring(L, $0.baseAddress, $0.count) }
}

let bareBucket: lua_CFunction = { L in
    var length = 0
    let bytes = lua_tolstring(L, 1, &length)
    lua_pushinteger(L, lua_Integer(LuaHelpers.bucket(bytes: UnsafeRawBufferPointer(start: bytes, count: length))))
    return 1
}
let noopHook: lua_Hook = { _, _ in }

@MainActor func makeBareState() -> OpaquePointer {
    let L = luaL_newstate()!
    luaL_openlibs(L)
    lua_pushcclosure(L, bareBucket, 0)
    lua_setglobal(L, "bucket")
    var source = rolloutSource
    _ = source.withUTF8 { clua_loadbuffer(L, $0.baseAddress, $0.count, "=rollout.lua", "t") }
    precondition(clua_pcall(L, 0, 0, 0) == LUA_OK, "bare load failed")
    return L
}

@MainActor func bareDecide(_ L: OpaquePointer, _ i: Int, hook: Bool) {
    _ = lua_getglobal(L, "decide")
    lua_createtable(L, 0, 4)
    pushBytes(L, sessionIDs[i & 1023]); lua_setfield(L, -2, "session_id")
    pushBytes(L, "tenant-7"); lua_setfield(L, -2, "tenant_id")
    lua_createtable(L, 0, 2)
    lua_pushboolean(L, 1); lua_setfield(L, -2, "use_persistent_sessions")
    lua_pushinteger(L, 50); lua_setfield(L, -2, "rollout_percentage")
    lua_setfield(L, -2, "settings")
    lua_createtable(L, 0, 0); lua_setfield(L, -2, "overrides")
    if hook { lua_sethook(L, noopHook, LUA_MASKCOUNT, 1000) }
    let status = clua_pcall(L, 1, 1, 0)
    if hook { lua_sethook(L, nil, 0, 0) }
    precondition(status == LUA_OK)
    _ = lua_getfield(L, -1, "enabled")
    _ = lua_toboolean(L, -1)
    _ = lua_getfield(L, -2, "reason")
    _ = clua_tostring(L, -1)
    lua_settop(L, 0)
}

let bareState = makeBareState()
let bare = measure { bareDecide(bareState, $0, hook: false) }
let bareHooked = measure { bareDecide(bareState, $0, hook: true) }
lua_close(bareState)

// MARK: (2) host API, (3) pool from one task

/// A state as the policy host builds one: loaded, sealed (frozen load-time tables, upvalues
/// checked after every call), locked.
@MainActor func makePolicyState(_ source: String, _ name: String) throws -> LuaState {
    let state = try LuaState()
    try state.load(source: source, chunkName: name)
    try state.seal()
    state.lock()
    return state
}

var enabledCount = 0
let hostState = try makePolicyState(rolloutSource, "rollout.lua")
let host = try measure { i in
    let result = try hostState.call("decide", [contexts[i & 1023]])
    if result["enabled"]?.boolValue == true, result["reason"]?.stringValue != nil { enabledCount += 1 }
}
let poolSource = rolloutSource
let pool = LuaStatePool(maxStates: 2) {
    let state = try LuaState()
    try state.load(source: poolSource, chunkName: "rollout.lua")
    try state.seal()
    state.lock()
    return state
}
/// Runs off the main actor, as a request handler would, on the caller's (generic) executor.
nonisolated func benchPool(_ pool: LuaStatePool, _ contexts: [LuaValue]) async throws -> Figures {
    try await measureAsync { i in
        let result = try await pool.withState { try $0.call("decide", [contexts[i & 1023]]) }
        precondition(result["reason"] != nil)
    }
}
let pooled = try await Task.detached { try await benchPool(pool, contexts) }.value

func row(_ name: String, _ f: Figures, baseline: Figures) -> String {
    let cells = [name.padding(toLength: 34, withPad: " ", startingAt: 0),
                 String(format: "%8.0f", f.p50), String(format: "%8.0f", f.p99),
                 String(format: "%12.0f", f.perSecond),
                 String(format: "%8.2fx", f.p50 / baseline.p50), String(format: "%9.2fx", baseline.perSecond / f.perSecond)]
    return cells.joined(separator: " | ")
}

print("LuaBench — \(rolloutOrigin); single thread; 200k timed calls per row (+20k warm-up)")
print(["path".padding(toLength: 34, withPad: " ", startingAt: 0), "p50 ns", "p99 ns", "decisions/s", "p50/bare", "thru/bare"]
    .joined(separator: " | "))
print(row("(1) bare lua_pcall, hand-pushed", bare, baseline: bare))
print(row("(1b) bare + count hook per call", bareHooked, baseline: bare))
print(row("(2) LuaState.call (sealed)", host, baseline: bare))
print(row("(3) LuaStatePool.withState (thread)", pooled, baseline: bare))
print("instructions per decide (granularity 1): ", terminator: "")
hostState.limits = LuaLimits(hookGranularity: 1)
_ = try hostState.call("decide", [contexts[0]])
print(hostState.lastCallStats.instructions, "| state memory:", hostState.memoryBytes, "bytes | enabled seen:", enabledCount)

// MARK: other shipped policies (host API), skipped when missing or failing

let others: [(file: String, entry: String, input: LuaValue)] = [
    ("severity.lua", "classify", [
        "reachable": true, "requests": 1200, "error_rate": 0.02, "avg_response_ms": 800, "p95_response_ms": 2100,
        "cache_hit_ratio": 0.9, "memory": ["used_percent": 62, "process_rss_bytes": 188_743_680, "cache_bytes": 19_680_000], "database": ["status": "healthy"], "ai": ["status": "healthy"],
        "persistent_sessions": ["enabled": true, "failing": false], "tenants_affected": 0,
    ]),
    ("cleanup.lua", "plan", [
        "now": 1_700_000_000, "active": 820, "capacity": 1000,
        "memory": ["used_percent": 71, "process_rss_bytes": 188_743_680, "cache_bytes": 19_680_000], "emergency_requested": false,
        "settings": ["timeout": 3600, "batch_size": 100, "emergency_threshold": 0.9],
    ]),
    ("escalation.lua", "escalate", [
        "severity": "P1", "status": "open", "elapsed_seconds": 900, "since_notified_seconds": 600, "acknowledged": false,
        "level": 1, "event": "tick", "reasons": ["error rate 10%"], "actions_taken": [],
        "metrics": ["requests": 1200, "error_rate": 0.1, "avg_response_ms": 500, "memory": ["used_percent": 70],
                    "persistent_sessions": ["failing": false]],
        "settings": ["use_persistent_sessions": true, "rollout_percentage": 50],
    ]),
]
print("\nother policies through LuaState.call:")
for (file, entry, input) in others {
    let label = "\(file) \(entry)".padding(toLength: 34, withPad: " ", startingAt: 0)
    guard let source = readPolicy(file) else { print("\(label) | skipped: not found"); continue }
    do {
        let state = try makePolicyState(source, file)
        _ = try state.call(entry, [input])
        let f = try measure(samples: 50_000) { _ in _ = try state.call(entry, [input]) }
        print([label, String(format: "%8.0f", f.p50), String(format: "%8.0f", f.p99), String(format: "%12.0f", f.perSecond)]
            .joined(separator: " | "))
    } catch {
        print("\(label) | skipped: \(error)")
    }
}
