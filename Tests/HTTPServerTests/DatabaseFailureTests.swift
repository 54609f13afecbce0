import Foundation
import GRDB
import HTTPServer
import Hummingbird
import HummingbirdTesting
import Storage
import Testing

/// A database that fails under the running server: every route that needs it answers
/// `503 database_unavailable` naming the cause, the health endpoints say so in their status code,
/// and the process keeps answering `/health/live`.
@Suite struct DatabaseFailureTests {
    /// What happened to the file, and the cause the answers name.
    enum Damage: String, CaseIterable, CustomTestStringConvertible {
        /// Bytes that are not SQLite's, as a failing disk or a stray `dd` leaves it.
        case garbage
        /// Cut to nothing, as a `> file` by mistake leaves it.
        case truncated

        /// What SQLite makes of it: an empty file reads as a database without tables, except to a
        /// connection that still expects the pages it had, which finds no database header.
        var causes: [String] {
            switch self {
            case .garbage: ["not a SQLite database (SQLITE_NOTADB)"]
            case .truncated: ["lost its tables (truncated or replaced?)", "not a SQLite database (SQLITE_NOTADB)"]
            }
        }

        func isNamed(in text: String?) -> Bool {
            causes.contains { text?.contains($0) == true }
        }

        var testDescription: String { rawValue }

        /// Damages the store's file in place (the server's connections keep it open) and has
        /// SQLite read it again.
        func inflict(on store: SQLiteStore) throws {
            // Everything into the file, nothing left in the WAL, so every page is read from the damage.
            try store.writer.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
            let file = try FileHandle(forWritingTo: URL(fileURLWithPath: store.location.path))
            switch self {
            case .garbage:
                let size = try file.seekToEnd()
                try file.seek(toOffset: 0)
                try file.write(contentsOf: Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) }))
            case .truncated:
                try file.truncate(atOffset: 0)
            }
            try file.close()
            // Each connection caches the pages it read; without this SQLite would answer from them.
            try #require(store.writer as? DatabasePool).releaseMemory()
        }
    }

    @Test(arguments: Damage.allCases)
    func aDamagedDatabaseAnswers503DatabaseUnavailableWhileLiveStaysUp(damage: Damage) async throws {
        try await withApp { client, state in
            let id = try await client.createSession()
            #expect(try await client.get("/api/v1/sessions/\(id)").status == .ok)
            try damage.inflict(on: state.store)

            let path = state.store.location.path
            let failing: [(String, HTTPRequest.Method, String?)] = [
                ("/api/v1/sessions", .get, nil),
                ("/api/v1/sessions/", .post, #"{"title":"after the damage"}"#),
                ("/api/v1/sessions/\(id)", .get, nil),
                ("/api/v1/sessions/\(id)/messages", .get, nil),
                ("/api/v1/sessions/\(id)/messages", .post, #"{"content":"hello?"}"#),
                ("/api/v1/sessions/\(id)/messages", .post, #"{"content":"hello?","stream":true}"#),
            ]
            for (uri, method, body) in failing {
                let response = try await client.execute(uri: uri, method: method, body: body.map { ByteBuffer(string: $0) })
                #expect(response.status == .serviceUnavailable, "\(method) \(uri)")
                #expect(response.errorCode == "database_unavailable", "\(method) \(uri): \(response.text)")
                #expect(damage.isNamed(in: response.errorMessage), "\(method) \(uri): \(response.errorMessage)")
                #expect(!response.errorMessage.contains(path) && !response.errorMessage.contains("/"), "no file path")
                #expect(response.headers[.retryAfter] == String(SQLiteStore.busyTimeoutSeconds))
            }

            let health = try await client.get("/health")
            #expect(health.status == .serviceUnavailable)
            #expect(health.json["status"] as? String == "unhealthy")
            #expect((health.json["services"] as? [String: Any])?["database"] as? String == "unhealthy")
            let ready = try await client.get("/health/ready")
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.json["status"] as? String == "unhealthy")
            #expect(damage.isNamed(in: ready.json["error"] as? String), "\(ready.text)")
            let database = try await client.get("/health/database")
            #expect(database.status == .serviceUnavailable)
            #expect(damage.isNamed(in: database.json["error"] as? String), "\(database.text)")
            #expect(!database.text.contains(path))

            let live = try await client.get("/health/live")
            #expect(live.status == .ok)
            #expect(live.json["status"] as? String == "alive")
        }
    }

    @Test func theOpenAIRoutesAnswerTheSame503InOpenAIsShape() async throws {
        try await withApp { client, state in
            let id = try await client.createSession()
            try Damage.garbage.inflict(on: state.store)
            let request = #"{"model":"any","messages":[{"role":"user","content":"hi"}]}"#
            for stream in [false, true] {
                let body = stream ? #"{"model":"any","stream":true,"messages":[{"role":"user","content":"hi"}]}"# : request
                let stored = try await client.post("/v1/chat/completions", body, headers: [.init("X-Session-ID")!: id])
                #expect(stored.status == .serviceUnavailable)
                let error = stored.json["error"] as? [String: Any]
                #expect(error?["code"] as? String == "database_unavailable")
                #expect(error?["type"] as? String == "server_error")
                #expect(Damage.garbage.isNamed(in: error?["message"] as? String))
                #expect(stored.headers[.retryAfter] == String(SQLiteStore.busyTimeoutSeconds))
            }
            // A call that stores nothing does not need the database and still gets its answer.
            #expect(try await client.post("/v1/chat/completions", request).status == .ok)
        }
    }
}
