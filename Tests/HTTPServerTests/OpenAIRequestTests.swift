import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Authentication and request checking on `/v1/chat/completions`, in OpenAI's error shape.
@Suite struct OpenAIRequestTests {
    static let path = "/v1/chat/completions"
    static let hello = #"{"messages":[{"role":"user","content":"hi"}]}"#

    @Test func clientKeysAreRequiredWhenConfigured() async throws {
        try await withApp(["CHAT_API_KEYS": "acme-key-0123456789:acme"]) { client, _ in
            for headers: HTTPFields in [[:], [.authorization: "Bearer sk-wrong-key-000000"]] {
                let response = try await client.post(Self.path, Self.hello, headers: headers)
                #expect(response.status == .unauthorized)
                let error = response.json["error"] as? [String: Any]
                #expect(error?["type"] as? String == "invalid_request_error")
                #expect((error?["message"] as? String)?.isEmpty == false)
            }
            let ok = try await client.post(Self.path, Self.hello, headers: [.authorization: "Bearer acme-key-0123456789"])
            #expect(ok.status == .ok)
        }
    }

    @Test func anyKeyIsAcceptedWhenNoneAreConfigured() async throws {
        try await withApp { client, _ in
            let response = try await client.post(Self.path, Self.hello, headers: [.authorization: "Bearer sk-anything"])
            #expect(response.status == .ok)
        }
    }

    @Test(arguments: [
        ("", nil, "request body is empty"),
        ("[1]", nil, "must be a JSON object"),
        (#"{}"#, "messages", "'messages' is required"),
        (#"{"messages":"hi"}"#, "messages", "must be an array"),
        (#"{"messages":[]}"#, "messages", "must not be empty"),
        (#"{"messages":[{"role":"function","content":"x"}]}"#, "messages[0].role", "must be one of system, developer, user, assistant"),
        (#"{"messages":[{"content":"x"}]}"#, "messages[0].role", "is required"),
        (#"{"messages":[{"role":"user"}]}"#, "messages[0].content", "is required"),
        (#"{"messages":[{"role":"user","content":7}]}"#, "messages[0].content", "must be a string or an array of text parts"),
        (#"{"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"x"}}]}]}"#,
         "messages[0].content[1].type", "only text parts are supported"),
        (#"{"messages":[{"role":"user","content":"x"}],"temperature":3}"#, "temperature", "from 0 to 2"),
        (#"{"messages":[{"role":"user","content":"x"}],"max_tokens":0}"#, "max_tokens", "whole number of at least 1"),
        (#"{"messages":[{"role":"user","content":"x"}],"max_completion_tokens":1.5}"#, "max_completion_tokens", "whole number"),
        // max_tokens wins when both are sent, but a broken max_completion_tokens is still refused.
        (#"{"messages":[{"role":"user","content":"x"}],"max_tokens":5,"max_completion_tokens":"lots"}"#, "max_completion_tokens",
         "whole number"),
        (#"{"messages":[{"role":"user","content":"x"}],"n":2}"#, "n", "must be 1"),
        (#"{"messages":[{"role":"user","content":"x"}],"stream":"yes"}"#, "stream", "must be a boolean"),
        (#"{"messages":[{"role":"user","content":"x"}],"model":5}"#, "model", "must be a string"),
        (#"{"messages":[{"role":"user","content":"x"}],"stream_options":{"include_usage":1}}"#,
         "stream_options.include_usage", "must be a boolean"),
    ] as [(String, String?, String)])
    func badBodiesAre400NamingTheField(body: String, field: String?, rule: String) async throws {
        try await withApp { client, _ in
            let response = try await client.post(Self.path, body)
            #expect(response.status == .badRequest)
            let error = try #require(response.json["error"] as? [String: Any])
            #expect(error["type"] as? String == "invalid_request_error")
            #expect((error["message"] as? String)?.contains(rule) == true, "\(error)")
            #expect(error["param"] as? String == field)
            if let field { #expect((error["message"] as? String)?.contains("'\(field)'") == true) }
        }
    }

    @Test func developerRoleAndNullOptionalsAreAccepted() async throws {
        try await withApp { client, _ in
            let response = try await client.post(Self.path, #"""
                {"model":null,"temperature":null,"max_tokens":null,"n":1,"stream":false,"user":"u-1",
                 "messages":[{"role":"developer","content":"terse"},{"role":"user","content":"hi"}]}
                """#)
            #expect(response.status == .ok)
        }
    }
}
