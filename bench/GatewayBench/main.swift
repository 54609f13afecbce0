// GatewayBench: latency Oracle Chat adds in front of an LLM upstream.
// Starts FakeUpstream (as its own process, FakeUpstreamServer) and the application (real
// sockets, OPENAI_BASE_URL at the fake, assembled as `serve` does),
// then drives each target with wrk and prints p50/p99, throughput and the latency added over
// calling the upstream directly with the same conversation.
//
// Each target has its baseline: `/v1/chat/completions` forwards the client's one-message body,
// so it is compared with that body sent to the upstream; a message to a session sends the
// session's history too (50 stored messages, MAX_RECOVERY_HISTORY_MESSAGES), so it is compared
// with a 51-message body sent to the upstream.
//
// Scenarios: closed loop at 8 and 64 connections (each connection sends as soon as it has its
// answer: the ceiling of this machine, where wrk, the gateway and the upstream share 2 cores
// and latency is mostly queueing), then 64 connections paced to a fixed offered load, which is
// what the gateway adds to a request when the machine is not saturated.
//
// Each row through a gateway also shows the gateway's CPU per request (getrusage of this
// process, which holds the gateways only): on a shared 2-core machine it moves far less run to
// run than latency, so it shows what a change to the request path costs or saves.
//
// Usage: swift build -c release --product GatewayBench && .build/release/GatewayBench [seconds] [target]
// (about 5 minutes with the default 5 s per run)
// (`target`: run only the targets whose name contains it, with their baselines.)
// Needs `wrk` (bench/run.sh installs it). Prints figures only; nothing here is asserted.
//
// `GatewayBench serve [upstream /v1 URL]`: only starts the upstream and a `stateless` gateway, prints the gateway's
// base URL and waits until its standard input closes: a gateway to profile under a fixed load,
// e.g. `valgrind --tool=callgrind --instr-atstart=no .build/release/GatewayBench serve`
// (bench/profile-v1.sh does that and prints instructions per request).
import Foundation
import LLM
import Storage
import TestSupport

let arguments = CommandLine.arguments.dropFirst()
if arguments.first == "serve" {
    // An upstream already running (its `/v1` URL) may be given: under valgrind this process
    // cannot spawn one (Foundation's Process fails on valgrind's descriptors).
    let upstream = arguments.dropFirst().first == nil ? try UpstreamProcess(reply: "The answer is forty-two.") : nil
    let gateway = try await BenchGateway.start(upstreamBaseURL: arguments.dropFirst().first ?? upstream!.openAIBaseURL)
    FileHandle.standardOutput.write(Data((gateway.baseURL + "\n").utf8))
    // readLine blocks a thread; keep it off the executor the server runs on.
    await Task.detached { while readLine() != nil {} }.value
    await gateway.stop()
    upstream?.stop()
    exit(0)
}
let seconds = Int(arguments.first ?? "") ?? 5
let only = arguments.dropFirst().first
let historyMessages = 50

struct Scenario {
    var connections: Int
    /// Requests per second over all connections; nil: closed loop.
    var rate: Int?
    var key: String { rate.map { "\(connections)@\($0)" } ?? "\(connections)" }
    var label: String { rate.map { "\(connections) @\($0)/s" } ?? "\(connections) max" }
}
let scenarios = [Scenario(connections: 8), Scenario(connections: 64),
                 Scenario(connections: 64, rate: 500), Scenario(connections: 64, rate: 1000)]

guard let wrk = WrkRunner.locate() else {
    print("GatewayBench needs wrk: apt-get install -y wrk (bench/run.sh does this when run as root)")
    exit(1)
}

let question = "What is the answer?", answer = "The answer is forty-two."
let upstream = try UpstreamProcess(reply: answer)
let stateless = try await BenchGateway.start(upstreamBaseURL: upstream.openAIBaseURL)
let cached = try await BenchGateway.start(upstreamBaseURL: upstream.openAIBaseURL,
                                          settings: ["USE_PERSISTENT_SESSIONS": "true", "GRADUAL_ROLLOUT_PERCENTAGE": "100"])
let connections = scenarios.map(\.connections).max()!
let statelessSessions = try await stateless.createSessions(count: connections, history: historyMessages, question: question, answer: answer)
let cachedSessions = try await cached.createSessions(count: connections, history: historyMessages, question: question, answer: answer)

/// An OpenAI chat body: `turns` alternating user/assistant turns, then the question.
func chatBody(historyTurns turns: Int) throws -> String {
    var messages = (0..<turns).map { ["role": $0 % 2 == 0 ? "user" : "assistant", "content": $0 % 2 == 0 ? question : answer] }
    messages.append(["role": "user", "content": question])
    let body: [String: Any] = ["model": "bench", "messages": messages]
    return String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
}

struct Target {
    var name: String
    var url: String
    var paths: [String]
    /// nil: a GET.
    var body: String?
    /// The target whose latency this one's is compared with; nil for a baseline.
    var baseline: String?
}
let messageBody = #"{"content":"\#(question)"}"#
let targets = [
    Target(name: "upstream direct, 1 msg", url: upstream.openAIBaseURL, paths: ["/chat/completions"], body: try chatBody(historyTurns: 0)),
    Target(name: "/v1/chat/completions", url: stateless.baseURL, paths: ["/v1/chat/completions"], body: try chatBody(historyTurns: 0),
           baseline: "upstream direct, 1 msg"),
    Target(name: "upstream direct, 51 msgs", url: upstream.openAIBaseURL, paths: ["/chat/completions"],
           body: try chatBody(historyTurns: historyMessages)),
    Target(name: "messages, cached", url: cached.baseURL, paths: cachedSessions.map { "/api/v1/sessions/\($0)/messages" },
           body: messageBody, baseline: "upstream direct, 51 msgs"),
    Target(name: "messages, stateless", url: stateless.baseURL, paths: statelessSessions.map { "/api/v1/sessions/\($0)/messages" },
           body: messageBody, baseline: "upstream direct, 51 msgs"),
    // The gateway's floor: the HTTP server alone, then with auth and one database read
    // (GRDB hops to its queue and back), to tell the hand-offs from the work.
    Target(name: "GET /health/live", url: stateless.baseURL, paths: ["/health/live"], body: nil),
    Target(name: "GET a session", url: stateless.baseURL, paths: statelessSessions.map { "/api/v1/sessions/\($0)" }, body: nil),
]
let selected = targets.filter { target in
    guard let only else { return true }
    return target.name.contains(only) || targets.contains { $0.name.contains(only) && $0.baseline == target.name }
}

print("GatewayBench: \(seconds) s per scenario, wrk \(wrk.threads) threads, \(ProcessInfo.processInfo.activeProcessorCount) cores")
print("upstream: FakeUpstreamServer (OpenAI wire, non-streaming), own process; gateway: OracleApplication, LLM_PROVIDER=openai;")
print("sessions hold \(historyMessages) messages of history; `cached` has USE_PERSISTENT_SESSIONS=true at 100 %, `stateless` the defaults")
for target in selected {
    // Warm-up: connection pools, SQLite page cache, the session cache, lazy allocations.
    _ = try wrk.run(url: target.url, paths: target.paths, body: target.body, connections: 8, seconds: 1)
}
/// The paced rows compare small numbers on a noisy shared machine: each runs `pacedRounds`
/// times, the targets taking turns within a round (so a baseline and its target meet the same
/// conditions), and the median of the rounds is shown.
let pacedRounds = 3
var runs: [String: [WrkResult]] = [:]
for scenario in scenarios {
    for _ in 0..<(scenario.rate == nil ? 1 : pacedRounds) {
        for target in selected {
            let cpuBefore = processCPUSeconds()
            var result = try wrk.run(url: target.url, paths: target.paths, body: target.body,
                                     connections: scenario.connections, seconds: seconds, rate: scenario.rate)
            if target.url != upstream.openAIBaseURL, result.requestsPerSecond > 0 {
                result.gatewayCPUPerRequest = (processCPUSeconds() - cpuBefore) / (result.requestsPerSecond * Double(seconds))
            }
            runs["\(target.name)|\(scenario.key)", default: []].append(result)
        }
    }
}
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
let results = runs.mapValues { rounds in
    WrkResult(p50: median(rounds.map(\.p50)), p99: median(rounds.map(\.p99)),
              requestsPerSecond: rounds.map(\.requestsPerSecond).reduce(0, +) / Double(rounds.count),
              errors: rounds.map(\.errors).reduce(0, +),
              gatewayCPUPerRequest: rounds.compactMap(\.gatewayCPUPerRequest).isEmpty
                  ? nil : median(rounds.compactMap(\.gatewayCPUPerRequest)))
}

extension String {
    func padded(to width: Int) -> String { padding(toLength: max(width, count), withPad: " ", startingAt: 0) }
    func leftPadded(to width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
func ms(_ value: Double) -> String { String(format: "%8.3f", value * 1000) }
print("")
print("target".padded(to: 26) + "conns (load)  p50 ms   p99 ms      req/s   errors   +p50 ms  +p99 ms  gateway CPU us/req")
for target in selected {
    for scenario in scenarios {
        guard let result = results["\(target.name)|\(scenario.key)"] else { continue }
        var added = "       -        -"
        if let baseline = target.baseline, let base = results["\(baseline)|\(scenario.key)"] {
            added = "\(ms(result.p50 - base.p50)) \(ms(result.p99 - base.p99))"
        }
        print(target.name.padded(to: 24) + scenario.label.leftPadded(to: 14) + " \(ms(result.p50)) \(ms(result.p99)) "
              + String(format: "%10.0f %8d", result.requestsPerSecond, result.errors) + "  \(added)"
              + (result.gatewayCPUPerRequest.map { String(format: "  %8.0f", $0 * 1e6) } ?? ""))
    }
}
for (name, gateway) in [("cached", cached), ("stateless", stateless)] {
    let stats = gateway.state.chat.cache.stats
    print("\(name) gateway: cache hits \(stats.hits), misses \(stats.misses), recoveries \(stats.recoveries), stateless messages \(stats.statelessMessages)")
}
print("target: added p50 <= 1 ms and added p99 <= 5 ms at 64 connections")
print("(gateway CPU: user + system CPU of this process, which runs both gateways, per request of the run; the upstream")
print(" and wrk run in processes of their own)")
print("(at `max` the machine is saturated and latency is queueing: 64 connections / req/s; the paced rows, medians of \(pacedRounds)")
print(" rounds, are what the gateway adds to a request when the machine has room)")

await stateless.stop()
await cached.stop()
upstream.stop()
