// GatewayBench: latency Oracle Chat adds in front of an LLM upstream.
// Starts FakeUpstream and the application (`.live`, real sockets, OPENAI_BASE_URL at the fake),
// then drives each target with wrk over N keep-alive connections and prints p50/p99,
// throughput and the latency added over calling the upstream directly.
// Usage: swift build -c release --product GatewayBench && .build/release/GatewayBench [seconds]
// Needs `wrk` (bench/run.sh installs it). Prints figures only; nothing here is asserted.
import Foundation
import TestSupport

let seconds = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 5
let connectionCounts = [8, 64]

guard let wrk = WrkRunner.locate() else {
    print("GatewayBench needs wrk: apt-get install -y wrk (bench/run.sh does this when run as root)")
    exit(1)
}

let upstream = try await FakeUpstream.start(replyText: "The answer is forty-two.")
let gateway = try await BenchGateway.start(upstreamBaseURL: upstream.openAIBaseURL)
let sessions = try await gateway.createSessions(count: connectionCounts.max()!)

let chatBody = #"{"model":"bench","messages":[{"role":"user","content":"What is the answer?"}]}"#
let targets: [(name: String, url: String, paths: [String], body: String)] = [
    ("upstream direct", upstream.openAIBaseURL, ["/chat/completions"], chatBody),
    ("/v1/chat/completions", gateway.baseURL, ["/v1/chat/completions"], chatBody),
    ("/api/v1/.../messages", gateway.baseURL, sessions.map { "/api/v1/sessions/\($0)/messages" },
     #"{"content":"What is the answer?"}"#),
]

print("GatewayBench: \(seconds) s per scenario, wrk \(wrk.threads) threads, \(ProcessInfo.processInfo.activeProcessorCount) cores")
print("upstream: FakeUpstream (OpenAI wire, non-streaming) in this process; gateway: OracleApplication, LLM_PROVIDER=openai")
var results: [String: WrkResult] = [:]
for target in targets {
    // Warm-up: connection pools, SQLite page cache, JIT-free but lazy allocations.
    _ = try wrk.run(url: target.url, paths: target.paths, body: target.body, connections: 8, seconds: 1)
    for connections in connectionCounts {
        let result = try wrk.run(url: target.url, paths: target.paths, body: target.body,
                                 connections: connections, seconds: seconds)
        results["\(target.name)|\(connections)"] = result
    }
}

func ms(_ value: Double) -> String { String(format: "%8.3f", value * 1000) }
print("")
print("target                  conns   p50 ms   p99 ms      req/s   errors   +p50 ms  +p99 ms")
for target in targets {
    for connections in connectionCounts {
        guard let result = results["\(target.name)|\(connections)"] else { continue }
        let base = results["upstream direct|\(connections)"]!
        let added = target.name == "upstream direct" ? "       -        -"
            : "\(ms(result.p50 - base.p50)) \(ms(result.p99 - base.p99))"
        print(target.name.padding(toLength: 22, withPad: " ", startingAt: 0)
              + String(format: "%7d", connections) + " \(ms(result.p50)) \(ms(result.p99)) "
              + String(format: "%10.0f %8d", result.requestsPerSecond, result.errors) + "  \(added)")
    }
}
print("target: added p50 <= 1 ms and added p99 <= 5 ms at 64 connections")

await gateway.stop()
await upstream.stop()
