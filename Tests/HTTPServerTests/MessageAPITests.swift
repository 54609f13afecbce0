import Foundation
import Hummingbird
import HummingbirdTesting
import Storage
import Testing

@Suite struct MessageAPITests {
    @Test func sendStoresBothMessagesAndSaysWhoAnswered() async throws {
        try await withApp { client, state in
            let id = try await client.createSession()
            let response = try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"hello"}"#)
            #expect(response.status == .ok)
            let json = response.json
            #expect(json["provider"] as? String == "offline")
            #expect(json["offline"] as? Bool == true)
            #expect(json["fallback"] as? Bool == false)
            #expect((json["content"] as? String)?.hasPrefix("[offline provider") == true)
            let usage = json["usage"] as? [String: Any]
            #expect((usage?["total_tokens"] as? Int ?? 0) > 0)
            let stored = try await state.store.messages(sessionID: id, tenant: "default", last: nil)
            #expect(stored.map(\.role) == [.user, .assistant])
            #expect(stored.map(\.id) == [json["user_message_id"] as? String, json["message_id"] as? String].compactMap { $0 })
            #expect(stored[0].content == "hello")
        }
    }

    @Test func historyInOrder() async throws {
        try await withApp { client, _ in
            let id = try await client.createSession()
            for text in ["one", "two", "three"] {
                _ = try await client.post("/api/v1/sessions/\(id)/messages", "{\"content\":\"\(text)\"}")
            }
            let history = try await client.get("/api/v1/sessions/\(id)/messages")
            let messages = history.json["messages"] as? [[String: Any]] ?? []
            #expect(messages.count == 6)
            #expect(messages.compactMap { $0["sequence"] as? Int } == [1, 2, 3, 4, 5, 6])
            #expect(messages.enumerated().filter { $0.offset % 2 == 0 }.compactMap { $0.element["content"] as? String } == ["one", "two", "three"])
            // The offline provider counts the user turns it was given: context reached it.
            #expect((messages[5]["content"] as? String)?.contains("message #3") == true)
        }
    }

    @Test(arguments: [
        (#"{"content": ""}"#, "'content' must not be empty"),
        (#"{"content": 42}"#, "'content' must be a string"),
        (#"{"text": "hi"}"#, "'content' is required"),
        (#"{"content": "hi", "stream": "yes"}"#, "'stream' must be a boolean"),
    ])
    func badMessagesAreRejectedAndNothingIsStored(body: String, message: String) async throws {
        try await withApp { client, state in
            let id = try await client.createSession()
            let response = try await client.post("/api/v1/sessions/\(id)/messages", body)
            #expect(response.status == .badRequest)
            #expect(response.errorMessage.contains(message), "\(response.errorMessage)")
            #expect(try await state.store.messages(sessionID: id, tenant: "default", last: nil).isEmpty)
        }
    }

    @Test func messageToUnknownSessionIs404() async throws {
        try await withApp { client, _ in
            let response = try await client.post("/api/v1/sessions/\(UUID().uuidString)/messages", #"{"content":"hi"}"#)
            #expect(response.status == .notFound)
        }
    }

    @Test func overlongMessageIsRejected() async throws {
        try await withApp(["MAX_MESSAGE_LENGTH": "5"]) { client, _ in
            let id = try await client.createSession()
            let response = try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"123456"}"#)
            #expect(response.status == .badRequest)
            #expect(response.errorMessage.contains("at most 5 characters"))
        }
    }

    @Test func streamingSendsDeltasThenDoneAndStoresTheReply() async throws {
        try await withApp { client, state in
            let id = try await client.createSession()
            let response = try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"stream please","stream":true}"#)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream")
            let events = response.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.count > 2)
            #expect(events.dropLast().allSatisfy { $0.hasPrefix("event: delta\n") })
            let done = try #require(events.last)
            #expect(done.hasPrefix("event: done\n"))
            let deltas = events.dropLast().compactMap { event -> String? in
                let json = event.components(separatedBy: "data: ").last!.data(using: .utf8)!
                return (try? JSONSerialization.jsonObject(with: json) as? [String: Any])?["text"] as? String
            }
            let stored = try await state.store.messages(sessionID: id, tenant: "default", last: nil)
            #expect(stored.count == 2)
            #expect(stored[1].content == deltas.joined())
            #expect(stored[1].status == .complete)
            #expect(done.contains(stored[1].id))
        }
    }

    @Test func acceptHeaderAlsoSelectsStreaming() async throws {
        try await withApp { client, _ in
            let id = try await client.createSession()
            let response = try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"hi"}"#,
                                                 headers: [.accept: "text/event-stream"])
            #expect(response.headers[.contentType] == "text/event-stream")
            #expect(response.text.contains("event: done"))
        }
    }
}
