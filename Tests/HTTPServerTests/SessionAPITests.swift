import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct SessionAPITests {
    @Test func createWithAndWithoutTrailingSlash() async throws {
        try await withApp { client, _ in
            let a = try await client.post("/api/v1/sessions/", #"{"title":"Test Session"}"#)
            #expect(a.status == .created)
            #expect(a.json["title"] as? String == "Test Session")
            #expect(UUID(uuidString: a.json["id"] as? String ?? "") != nil)
            let b = try await client.post("/api/v1/sessions", #"{"title":"Second"}"#)
            #expect(b.status == .created)
        }
    }

    @Test func listNewestFirstWithPagination() async throws {
        try await withApp { client, _ in
            for i in 1...3 { _ = try await client.createSession("s\(i)") }
            let page = try await client.get("/api/v1/sessions?limit=2")
            #expect(page.status == .ok)
            let titles = (page.json["sessions"] as? [[String: Any]])?.compactMap { $0["title"] as? String }
            #expect(titles == ["s3", "s2"])
            #expect(page.json["total"] as? Int == 3)
            #expect(page.json["has_more"] as? Bool == true)
            let rest = try await client.get("/api/v1/sessions?limit=2&offset=2")
            #expect((rest.json["sessions"] as? [[String: Any]])?.count == 1)
            #expect(rest.json["has_more"] as? Bool == false)
            let bad = try await client.get("/api/v1/sessions?limit=0")
            #expect(bad.status == .badRequest)
            #expect(bad.errorMessage.contains("limit"))
        }
    }

    @Test func showAndDeleteIncludingMessages() async throws {
        try await withApp { client, state in
            let id = try await client.createSession()
            _ = try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"hello"}"#)
            let shown = try await client.get("/api/v1/sessions/\(id)")
            #expect(shown.status == .ok)
            #expect(shown.json["message_count"] as? Int == 2)
            let deleted = try await client.execute(uri: "/api/v1/sessions/\(id)", method: .delete)
            #expect(deleted.status == .noContent)
            #expect(try await client.get("/api/v1/sessions/\(id)").status == .notFound)
            #expect(try await client.get("/api/v1/sessions/\(id)/messages").status == .notFound)
            #expect(try await state.store.messages(sessionID: id, tenant: "default", last: nil).isEmpty)
            let again = try await client.execute(uri: "/api/v1/sessions/\(id)", method: .delete)
            #expect(again.status == .notFound)
        }
    }

    @Test(arguments: [
        (#"{"title": 5}"#, "invalid_field", "'title' must be a string"),
        (#"{}"#, "invalid_field", "'title' is required"),
        (#"{"title": "   "}"#, "invalid_field", "'title' must not be empty"),
        (#"{"title": null}"#, "invalid_field", "'title' is required"),
        (#"{"title": "x""#, "invalid_json", "not valid JSON"),
        (#"["title"]"#, "invalid_json", "must be a JSON object"),
        ("", "invalid_json", "empty"),
    ])
    func badCreateBodiesNameTheProblem(body: String, code: String, message: String) async throws {
        try await withApp { client, state in
            let response = try await client.post("/api/v1/sessions", body)
            #expect(response.status == .badRequest)
            #expect(response.errorCode == code)
            #expect(response.errorMessage.contains(message), "\(response.errorMessage)")
            #expect(try await state.store.listSessions(tenant: "default", limit: 10, offset: 0).total == 0)
        }
    }

    @Test func overlongTitleIsRejected() async throws {
        try await withApp(["MAX_TITLE_LENGTH": "10"]) { client, _ in
            let response = try await client.post("/api/v1/sessions", #"{"title":"01234567890"}"#)
            #expect(response.status == .badRequest)
            #expect(response.errorMessage.contains("at most 10 characters"))
        }
    }

    /// Lengths count code points, as the OpenAPI document's `maxLength` (JSON Schema) does: six
    /// accented letters written as letter + combining accent are six characters on screen but
    /// twelve code points, so a client that checks the document's limit before sending agrees.
    @Test func titleLengthCountsCodePointsAsTheDocumentSays() async throws {
        try await withApp(["MAX_TITLE_LENGTH": "10"]) { client, _ in
            let combining = String(repeating: "e\u{301}", count: 6)
            let refused = try await client.post("/api/v1/sessions", #"{"title":"\#(combining)"}"#)
            #expect(refused.status == .badRequest)
            #expect(refused.errorMessage.contains("at most 10 characters (got 12)"), "\(refused.errorMessage)")
            let precomposed = String(repeating: "\u{E9}", count: 10)
            #expect(try await client.post("/api/v1/sessions", #"{"title":"\#(precomposed)"}"#).status == .created)
        }
    }

    @Test func oversizeBodyGets413() async throws {
        try await withApp(["MAX_BODY_BYTES": "1024"]) { client, state in
            let big = "{\"title\":\"" + String(repeating: "a", count: 4096) + "\"}"
            let response = try await client.post("/api/v1/sessions", big)
            #expect(response.status == .contentTooLarge)
            #expect(response.errorCode == "payload_too_large")
            #expect(try await state.store.listSessions(tenant: "default", limit: 10, offset: 0).total == 0)
        }
    }

    @Test func invalidAndUnknownIds() async throws {
        try await withApp { client, _ in
            let invalid = try await client.get("/api/v1/sessions/not-a-uuid")
            #expect(invalid.status == .badRequest)
            #expect(invalid.errorCode == "invalid_id")
            let unknown = try await client.get("/api/v1/sessions/\(UUID().uuidString)")
            #expect(unknown.status == .notFound)
            #expect(unknown.errorCode == "not_found")
            let unknownRoute = try await client.get("/api/v1/nothing-here")
            #expect(unknownRoute.status == .notFound)
            #expect(unknownRoute.errorCode == "not_found")
        }
    }
}
