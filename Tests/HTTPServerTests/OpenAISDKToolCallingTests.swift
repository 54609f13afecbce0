import Foundation
import Hummingbird
import HummingbirdTesting
import LLM
import OracleCore
import Testing
import TestSupport

/// The official `openai` Python SDK and `langchain-openai` (pinned, in the virtualenv
/// `scripts/python-sdk-env.sh` makes, which `make test` runs first and these tests run when it
/// is missing) against the gateway on a socket and a ``FakeUpstream``: agent loops, structured
/// output, and outages raising the SDK's own error types. Never skipped.
@Suite(.serialized) struct OpenAISDKToolCallingTests {
    static let weather = FakeToolCall(id: "call_w1", name: "get_weather", arguments: #"{"city":"Paris"}"#)

    /// What the fake answers after the tool's `21 C`: Gemini got it as `{"result": "21 C"}`, its
    /// `functionResponse.response` being an object.
    static func toolSaid(_ wire: UpstreamApp.Wire) -> String {
        wire == .openAI ? "Tool said: 21 C" : #"Tool said: {"result":"21 C"}"#
    }

    /// Runs `body` (Python) with `client` an `openai.OpenAI` at the gateway (no SDK retries) and
    /// `base` its base URL; returns the printed lines.
    static func python(_ body: String, port: Int) async throws -> [String] {
        let script = """
        import json, openai
        base = "http://127.0.0.1:\(port)/v1"
        client = openai.OpenAI(base_url=base, api_key="sk-anything", max_retries=0)
        \(body)
        """
        let result = try await runTool(try await SDKPython.interpreter(), ["-c", script])
        #expect(result.status == 0, "\(result.output)")
        return result.output.split(separator: "\n").map(String.init)
    }

    static let agentLoop = """
    tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather now",
              "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
    def ask(messages, stream):
        if not stream:
            m = client.chat.completions.create(model="gpt-4o", messages=messages, tools=tools).choices[0]
            return m.message.content, m.message.tool_calls, m.finish_reason
        text, calls, reason = "", {}, None
        for chunk in client.chat.completions.create(model="gpt-4o", messages=messages, tools=tools, stream=True):
            if not chunk.choices: continue
            d = chunk.choices[0].delta
            text += d.content or ""
            for p in d.tool_calls or []:
                c = calls.setdefault(p.index, {"id": None, "name": None, "arguments": ""})
                c["id"] = c["id"] or p.id
                if p.function and p.function.name: c["name"] = p.function.name
                if p.function and p.function.arguments: c["arguments"] += p.function.arguments
            reason = chunk.choices[0].finish_reason or reason
        tool_calls = [openai.types.chat.ChatCompletionMessageToolCall(id=c["id"], type="function",
                      function={"name": c["name"], "arguments": c["arguments"]}) for c in calls.values()] or None
        return text or None, tool_calls, reason
    for stream in (False, True):
        messages = [{"role": "user", "content": "weather in Paris?"}]
        content, calls, reason = ask(messages, stream)
        call = calls[0]
        print(stream, reason, call.function.name, json.loads(call.function.arguments)["city"], content, sep="|")
        messages.append({"role": "assistant", "content": content, "tool_calls": [call.model_dump()]})
        messages.append({"role": "tool", "tool_call_id": call.id, "content": "21 C"})
        content, calls, reason = ask(messages, stream)
        print(stream, reason, content, calls, sep="|")
    """

    @Test(arguments: [UpstreamApp.Wire.openAI, .gemini])
    func agentLoopWholeAndStreamed(wire: UpstreamApp.Wire) async throws {
        try await withUpstreamApp(wire, mode: .live) { client, app in
            app.upstream.toolCalls = [Self.weather]
            let lines = try await Self.python(Self.agentLoop, port: try #require(client.port))
            #expect(lines == [
                "False|tool_calls|get_weather|Paris|None", "False|stop|\(Self.toolSaid(wire))|None",
                "True|tool_calls|get_weather|Paris|None", "True|stop|\(Self.toolSaid(wire))|None",
            ])
        }
    }

    @Test(arguments: [UpstreamApp.Wire.openAI, .gemini])
    func structuredOutputWithAJSONSchema(wire: UpstreamApp.Wire) async throws {
        try await withUpstreamApp(wire, replyText: #"{"name": "Ann", "age": 31}"#, mode: .live) { client, app in
            let lines = try await Self.python("""
            import pydantic
            from langchain_openai import ChatOpenAI
            class Person(pydantic.BaseModel):
                name: str
                age: int
            parsed = client.chat.completions.parse(model="gpt-4o", messages=[{"role": "user", "content": "who?"}],
                                                   response_format=Person).choices[0].message.parsed
            print(parsed.name, parsed.age)
            llm = ChatOpenAI(base_url=base, api_key="sk-anything", model="gpt-4o", max_retries=0)
            person = llm.with_structured_output(Person).invoke("who?")
            print(person.name, person.age)
            """, port: try #require(client.port))
            #expect(lines == ["Ann 31", "Ann 31"])
            let first = try #require(app.upstream.requests.first)
            let asked = try #require(try JSONSerialization.jsonObject(with: Data(first.body.utf8)) as? [String: Any])
            switch wire {
            case .openAI:
                let format = try #require(asked["response_format"] as? [String: Any])
                #expect(format["type"] as? String == "json_schema")
                #expect(((format["json_schema"] as? [String: Any])?["name"]) as? String == "Person")
            case .gemini:
                let config = try #require(asked["generationConfig"] as? [String: Any])
                #expect(config["responseMimeType"] as? String == "application/json")
                #expect(((config["responseJsonSchema"] as? [String: Any])?["required"]) as? [String] == ["name", "age"])
            }
        }
    }

    @Test func anOutageRaisesTheSDKsOwnErrors() async throws {
        try await withUpstreamApp(.openAI, ["LLM_MAX_ATTEMPTS": "1"], mode: .live) { client, app in
            app.upstream.enqueue(.rateLimited(retryAfter: "4"), .status(500), .status(503))
            let lines = try await Self.python("""
            msgs = [{"role": "user", "content": "hi"}]
            try:
                client.chat.completions.create(model="m", messages=msgs)
            except openai.RateLimitError as e:
                print("RateLimitError", e.status_code, e.response.headers.get("retry-after"))
            for stream in (False, True):
                try:
                    client.chat.completions.create(model="m", messages=msgs, stream=stream)
                except openai.InternalServerError as e:
                    print("InternalServerError", e.status_code, isinstance(e, openai.APIStatusError), e.body["code"])
            """, port: try #require(client.port))
            #expect(lines == ["RateLimitError 429 4", "InternalServerError 502 True upstream_failed",
                              "InternalServerError 502 True upstream_failed"])
        }
    }

    @Test(arguments: [UpstreamApp.Wire.openAI, .gemini])
    func langchainBindToolsGetsToolCalls(wire: UpstreamApp.Wire) async throws {
        try await withUpstreamApp(wire, mode: .live) { client, app in
            app.upstream.toolCalls = [Self.weather]
            let lines = try await Self.python("""
            from langchain_core.tools import tool
            from langchain_core.messages import ToolMessage
            from langchain_openai import ChatOpenAI
            @tool
            def get_weather(city: str) -> str:
                \"\"\"Weather now in a city.\"\"\"
                return "21 C"
            llm = ChatOpenAI(base_url=base, api_key="sk-anything", model="gpt-4o", max_retries=0).bind_tools([get_weather])
            question = [("user", "weather in Paris?")]
            answer = llm.invoke(question)
            call = answer.tool_calls[0]
            print(call["name"], call["args"]["city"])
            final = llm.invoke(question + [answer, ToolMessage(content=get_weather.invoke(call["args"]), tool_call_id=call["id"])])
            print(final.content)
            """, port: try #require(client.port))
            #expect(lines == ["get_weather Paris", Self.toolSaid(wire)])
        }
    }
}

/// The virtualenv's interpreter, made once per test process by `scripts/python-sdk-env.sh`.
enum SDKPython {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private static let made = Task<String, any Error> {
        // The interpreter's path is stdout's last line; pip may talk on stderr.
        let result = try await ChildProcess.run("/bin/bash", [root.appendingPathComponent("scripts/python-sdk-env.sh").path],
                                                timeout: .seconds(600))
        guard result.status == 0, let path = result.stdout.split(separator: "\n").last.map(String.init), path.hasSuffix("/python") else {
            throw SDKPythonError(output: result.stdout + result.stderr)
        }
        return path
    }

    static func interpreter() async throws -> String { try await made.value }
}

struct SDKPythonError: Error, CustomStringConvertible {
    var output: String
    var description: String { "scripts/python-sdk-env.sh failed: \(output)" }
}
