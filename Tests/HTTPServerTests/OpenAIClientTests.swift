import Foundation
import Hummingbird
import HummingbirdTesting
import OracleCore
import Testing

/// Off-the-shelf clients over a real socket: curl, and the official `openai` Python package
/// (pinned, in the virtualenv of `scripts/python-sdk-env.sh`; see OpenAISDKToolCallingTests).
@Suite struct OpenAIClientTests {
    @Test func curlStreamsChunksUntilDone() async throws {
        try await withUpstreamApp(replyText: "streamed over a socket", mode: .live) { client, _ in
            let port = try #require(client.port)
            let result = try await runTool("/usr/bin/curl", [
                "-sS", "-N", "--max-time", "10", "http://localhost:\(port)/v1/chat/completions",
                "-H", "Authorization: Bearer sk-anything", "-H", "Content-Type: application/json",
                "-d", #"{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}"#,
            ])
            #expect(result.status == 0)
            let lines = result.output.components(separatedBy: "\n").filter { $0.hasPrefix("data: ") }
            #expect(lines.last == "data: [DONE]")
            let text = lines.dropLast().compactMap { line -> String? in
                let json = try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any]
                return ((json?["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String
            }.joined()
            #expect(text == "streamed over a socket")
        }
    }

    @Test func officialPythonSDKWorksUnchanged() async throws {
        try await withUpstreamApp(replyText: "hello from upstream", mode: .live) { client, _ in
            let port = try #require(client.port)
            let script = """
            import openai
            c = openai.OpenAI(base_url="http://localhost:\(port)/v1", api_key="sk-anything", max_retries=0)
            r = c.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
            print(r.choices[0].message.content, r.usage.prompt_tokens_details.cached_tokens, sep="|")
            s = c.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}],
                                          stream=True, stream_options={"include_usage": True})
            parts, usage = [], None
            for chunk in s:
                if chunk.choices: parts.append(chunk.choices[0].delta.content or "")
                if chunk.usage: usage = chunk.usage
            print("".join(parts), usage.total_tokens, sep="|")
            try:
                c.chat.completions.create(model="x", messages=[{"role": "function", "content": "x"}])
            except openai.BadRequestError as e:
                print(e.status_code, "messages[0].role" in str(e), sep="|")
            """
            let result = try await runTool(try await SDKPython.interpreter(), ["-c", script])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.components(separatedBy: "\n").prefix(3) == [
                "hello from upstream|4", "hello from upstream|17", "400|True",
            ])
        }
    }
}

/// Runs a program to completion (SIGTERM at 60 s); stdout, then stderr.
func runTool(_ path: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
    let outcome = try await ChildProcess.run(path, arguments, timeout: .seconds(60))
    return (outcome.status, outcome.stdout + outcome.stderr)
}
