import Foundation
@testable import HTTPServer
import Hummingbird
import HummingbirdTesting
import Logging
import Storage
import Testing

/// Declaring incidents, silences and maintenance windows over the admin API.
@Suite struct IncidentAPITests {
    static let admin: HTTPFields = [.authorization: "Bearer admin-key-for-tests", .contentType: "application/json"]

    func withIncidentApp(_ test: @escaping @Sendable (any TestClientProtocol, IncidentFixture) async throws -> Void) async throws {
        let f = try await IncidentFixture(["ADMIN_API_KEY": "admin-key-for-tests"])
        defer { f.close(); f.dir.remove() }
        let app = OracleApplication.make(state: f.state, logger: Logger(label: "test"))
        try await app.test(.router) { client in try await test(client, f) }
    }

    @Test func aDeclaredIncidentIsPagedAndStaysOpenUntilAPersonResolvesIt() async throws {
        try await withIncidentApp { client, f in
            let declared = try await client.post("/api/v1/incidents",
                                                 #"{"severity":"P2","title":"Payments partner reports timeouts","description":"support since 09:10"}"#,
                                                 headers: Self.admin)
            #expect(declared.status == .created)
            let body = declared.json
            #expect(body["source"] as? String == "manual" && body["declared_by"] as? String == "admin")
            #expect(body["title"] as? String == "Payments partner reports timeouts")
            let pages = body["notifications"] as? [[String: Any]] ?? []
            #expect(pages.count == 1 && pages.first?["template"] as? String == "declaration")
            #expect(pages.first?["target"] as? String == "oncall, incident-commander, tech-lead, ops")
            let id = try #require(body["id"] as? String)

            // The monitor's healthy ticks neither resolve it nor open anything of their own.
            f.set(IncidentFixture.healthy)
            try await f.tick(times: 10)
            #expect(try await f.state.store.incident(id: id)?.status == "open")
            #expect(try await f.state.store.openIncident() == nil, "the monitor's own slot stays free")

            let resolved = try await client.post("/api/v1/incidents/\(id)/resolve", #"{"note":"partner fixed it"}"#, headers: Self.admin)
            #expect(resolved.json["status"] as? String == "resolved")
        }
    }

    @Test(arguments: [
        (#"{"severity":"P9","title":"x"}"#, "severity"),
        (#"{"title":"x"}"#, "severity"),
        (#"{"severity":"P1"}"#, "title"),
        (#"{"severity":"P1","title":"   "}"#, "title"),
        (#"{"severity":"P1","title":"x","description":7}"#, "description"),
        (#"{"severity":"P1","title":"x","description":null}"#, "description"),
    ])
    func aBadDeclarationNamesTheField(json: String, field: String) async throws {
        try await withIncidentApp { client, f in
            let response = try await client.post("/api/v1/incidents", json, headers: Self.admin)
            #expect(response.status == .badRequest)
            #expect(response.errorMessage.contains(field))
            #expect(try await f.state.store.incidents(status: nil, severity: nil, limit: 10).isEmpty, "nothing half-written")
        }
    }

    @Test func silencesAreCreatedListedEndedAndBounded() async throws {
        try await withIncidentApp { client, _ in
            let created = try await client.post("/api/v1/silences",
                                                #"{"severities":["P3"],"reason_contains":"cache hit","duration_seconds":3600,"comment":"warm-up"}"#,
                                                headers: Self.admin)
            #expect(created.status == .created)
            #expect(created.json["author"] as? String == "admin" && created.json["active"] as? Bool == true)
            let id = try #require(created.json["id"] as? String)
            #expect((try await client.get("/api/v1/silences", headers: Self.admin).json["silences"] as? [Any])?.count == 1)

            for (json, needle) in [
                (#"{"duration_seconds":3600,"comment":"everything"}"#, "maintenance window"),
                (#"{"severities":["P3"],"comment":"no end"}"#, "ends_at"),
                (#"{"severities":["P3"],"ends_at":"2001-01-01T00:00:00Z","comment":"past"}"#, "future"),
                (#"{"severities":["P3"],"duration_seconds":3600,"ends_at":"2099-01-01T00:00:00Z","comment":"both"}"#, "exactly one"),
                (#"{"severities":["P7"],"duration_seconds":3600,"comment":"bad"}"#, "severities"),
                (#"{"severities":["P3"],"duration_seconds":99999999,"comment":"too long"}"#, "duration_seconds"),
                (#"{"severities":["P3"],"duration_seconds":3600,"ends_at":null,"comment":"null is not absent"}"#, "ends_at"),
                (#"{"severities":[],"duration_seconds":3600,"comment":"empty"}"#, "severities"),
            ] {
                let refused = try await client.post("/api/v1/silences", json, headers: Self.admin)
                #expect(refused.status == .badRequest, "\(json)")
                #expect(refused.errorMessage.contains(needle), "\(refused.errorMessage)")
            }

            let ended = try await client.execute(uri: "/api/v1/silences/\(id)", method: .delete, headers: Self.admin)
            #expect(ended.json["active"] as? Bool == false && ended.json["removed_by"] as? String == "admin")
            #expect((try await client.get("/api/v1/silences", headers: Self.admin).json["silences"] as? [Any])?.isEmpty == true)
            #expect((try await client.get("/api/v1/silences?all=true", headers: Self.admin).json["silences"] as? [Any])?.count == 1)
            #expect(try await client.execute(uri: "/api/v1/silences/SIL-none", method: .delete, headers: Self.admin).status == .notFound)

            // A scheduled window, ended before it began, no longer counts against the bound.
            let scheduled = try await client.post("/api/v1/maintenance-windows",
                                                  #"{"starts_at":"2099-01-01T00:00:00Z","duration_seconds":600,"comment":"later"}"#,
                                                  headers: Self.admin)
            #expect(scheduled.status == .badRequest && scheduled.errorMessage.contains("a year ahead"))
            let soon = try await client.post("/api/v1/maintenance-windows",
                                             #"{"starts_at":"\#(ISO8601DateFormatter().string(from: Date().addingTimeInterval(86_400)))","duration_seconds":600,"comment":"tomorrow"}"#,
                                             headers: Self.admin)
            let soonID = try #require(soon.json["id"] as? String)
            _ = try await client.execute(uri: "/api/v1/maintenance-windows/\(soonID)", method: .delete, headers: Self.admin)
            #expect((try await client.get("/api/v1/maintenance-windows", headers: Self.admin).json["maintenance_windows"] as? [Any])?.isEmpty == true)

            for n in 0..<SilenceRoutes.maxPending {
                let made = try await client.post("/api/v1/maintenance-windows", #"{"duration_seconds":600,"comment":"w\#(n)"}"#, headers: Self.admin)
                #expect(made.status == .created)
            }
            let over = try await client.post("/api/v1/silences", #"{"severities":["P3"],"duration_seconds":600,"comment":"one more"}"#, headers: Self.admin)
            #expect(over.status == .conflict && over.errorCode == "too_many_silences")
        }
    }

    /// A declared incident during a maintenance window is recorded, and its page is held.
    @Test func aMaintenanceWindowHoldsTheDeclarationPage() async throws {
        try await withIncidentApp { client, f in
            let scheduled = try await client.post("/api/v1/maintenance-windows",
                                                  #"{"starts_at":"\#(ISO8601DateFormatter().string(from: Date().addingTimeInterval(86_400)))","duration_seconds":3600,"comment":"later"}"#,
                                                  headers: Self.admin)
            #expect(scheduled.json["active"] as? Bool == false, "scheduled, not active yet")
            #expect(try await client.post("/api/v1/maintenance-windows", #"{"duration_seconds":3600,"comment":"db upgrade"}"#,
                                          headers: Self.admin).status == .created)
            let declared = try await client.post("/api/v1/incidents", #"{"severity":"P1","title":"upgrade running"}"#, headers: Self.admin)
            let pages = declared.json["notifications"] as? [[String: Any]] ?? []
            #expect(!pages.isEmpty && pages.allSatisfy { $0["status"] as? String == "silenced" })
            let timeline = declared.json["timeline"] as? [[String: Any]] ?? []
            #expect(timeline.contains { ($0["message"] as? String)?.contains("held by MW-") == true })
            #expect(try await f.state.store.incidents(status: "open", severity: "P1", limit: 10).count == 1, "still recorded")
        }
    }
}
