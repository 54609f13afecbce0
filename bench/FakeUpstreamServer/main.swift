// FakeUpstreamServer: the test suite's FakeUpstream (OpenAI and Gemini wire formats) as a
// process of its own, so GatewayBench's gateway does not share its Swift executor threads with
// the upstream it calls, as in production. Prints the port on the first line, then serves
// until its standard input closes. Not a benchmark: bench/run.sh runs `*Bench` targets only.
//
// Usage: FakeUpstreamServer "reply text"
import Foundation
import TestSupport

let reply = CommandLine.arguments.dropFirst().first ?? "The answer is forty-two."
let upstream = try await FakeUpstream.start(replyText: reply, recordsRequests: false)
FileHandle.standardOutput.write(Data("\(upstream.port)\n".utf8))
// readLine blocks a thread; keep it off the executor the server runs on.
await Task.detached { while readLine() != nil {} }.value
await upstream.stop()
