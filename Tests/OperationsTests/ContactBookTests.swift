import Foundation
import Operations
import Testing

/// The contacts file: where escalation.lua's roles are reached, checked as hostile input.
@Suite struct ContactBookTests {
    static let file = """
        channels:
          slack-oncall: { type: webhook, url_env: SLACK_URL }
          slack-management: { type: webhook, url: "https://hooks.example.test/T0/mgmt-token" }
          pagerduty: { type: pagerduty, routing_key_env: PD_KEY }
          log: { type: log }
        roles:
          oncall: [pagerduty, slack-oncall, log]
          incident-commander: [slack-oncall]
          tech-lead: [slack-oncall, log]
          engineering-manager: [slack-management]
          "*": [log]
        """

    @Test func rolesSharingADestinationGetOnePageThere() throws {
        let book = try ContactBook.parse(Self.file, path: "contacts.yaml",
                                         environment: ["SLACK_URL": "https://hooks.example.test/T0/oncall-token", "PD_KEY": "R0UTINGKEY"])
        #expect(book.warnings.isEmpty)
        let reached = book.destinations(for: ["oncall", "incident-commander", "tech-lead", "engineering-manager", "product-manager"])
        #expect(reached.map(\.destination.name) == ["pagerduty", "slack-oncall", "log", "slack-management"])
        #expect(reached.map(\.roles) == [["oncall"], ["oncall", "incident-commander", "tech-lead"],
                                         ["oncall", "tech-lead", "product-manager"], ["engineering-manager"]])
        #expect(book.destination(named: "pagerduty")?.kind == .pagerDuty(routingKey: "R0UTINGKEY", eventsURL: ContactBook.defaultPagerDutyEventsURL))
        #expect(Set(book.secrets) == ["https://hooks.example.test/T0/oncall-token", "https://hooks.example.test/T0/mgmt-token", "R0UTINGKEY"])
    }

    /// A channel whose secret is not in the environment is never attempted; one warning says so.
    @Test func aChannelWithoutItsSecretIsDroppedWithOneWarning() throws {
        let book = try ContactBook.parse(Self.file, path: "contacts.yaml", environment: ["PD_KEY": "R0UTINGKEY"])
        #expect(book.warnings == ["contacts channel slack-oncall is not configured (SLACK_URL is not set); it is never attempted"])
        #expect(book.destinations(for: ["incident-commander"]).map(\.destination.name) == ["log"],
                "a role whose channels are all unconfigured takes the \"*\" entry's")
        #expect(book.destinations(for: ["oncall"]).map(\.destination.name) == ["pagerduty", "log"])
    }

    /// A role that reaches nothing is said at startup, not found out during an outage.
    @Test func aRoleReachingNothingIsWarnedAbout() throws {
        let book = try ContactBook.parse("""
            channels:
              pagerduty: { type: pagerduty, routing_key_env: PD_KEY }
              log: { type: log }
            roles:
              oncall: [pagerduty]
              ops: [log]
            """, path: "contacts.yaml", environment: [:])
        #expect(book.warnings.contains("contacts role oncall reaches no configured channel: its pages go nowhere"))
        #expect(book.destinations(for: ["oncall", "ops"]).map(\.roles) == [["ops"]])
    }

    @Test(arguments: [
        ("channels: {a: {type: sms}}\nroles: {oncall: [a]}", "contacts.yaml: channels.a.type must be webhook, pagerduty or log"),
        ("channels: {a: {type: log}}\nroles: {oncall: [b]}", "contacts.yaml: roles.oncall names channel 'b', which `channels` does not define"),
        ("channels: {a: {type: log, colour: red}}\nroles: {oncall: [a]}", "contacts.yaml: unknown key channels.a.colour (allowed: type)"),
        ("channels: {a: {type: webhook, url: \"ftp://x/secret-path\"}}\nroles: {oncall: [a]}", "contacts.yaml: channels.a.url must be an http(s) URL"),
        ("channels: {a: {type: webhook, url: \"https://x\", url_env: X}}\nroles: {oncall: [a]}",
         "contacts.yaml: channels.a needs exactly one of `url` and `url_env`"),
        ("channels: {A B: {type: log}}\nroles: {oncall: [A B]}", "contacts.yaml: channel name 'A B' must be 1–64 characters of a-z, 0-9, '.', '_', '-'"),
        ("channels: {a: {type: log}}\nroles: {oncall: []}", "contacts.yaml: roles.oncall must be a non-empty list of channel names"),
        ("roles: {oncall: [a]}", "contacts.yaml: `channels` must be a non-empty mapping of channel name → {type, …}"),
        ("[1, 2]", "contacts.yaml: must be a mapping with `channels` and `roles`"),
        ("channels: {a: {type: log}\n", "contacts.yaml: is not valid YAML"),
    ])
    func aBadFileIsRefusedNamingTheKey(text: String, message: String) {
        #expect {
            _ = try ContactBook.parse(text, path: "contacts.yaml", environment: [:])
        } throws: { error in
            let said = "\(error)"
            return said.hasPrefix(message) && !said.contains("secret-path")
        }
    }

    /// The YAML library quotes the offending line; a URL on it is a credential and stays out.
    @Test func aYAMLErrorNamesThePlaceNotTheLine() {
        let text = """
            channels:
              slack: { type: webhook, url: "https://hooks.example.test/T0/secret-token" ]
            roles:
              oncall: [slack]
            """
        #expect {
            _ = try ContactBook.parse(text, path: "contacts.yaml", environment: [:])
        } throws: { error in
            let said = "\(error)"
            return said.hasPrefix("contacts.yaml: is not valid YAML: 2:") && !said.contains("secret-token")
        }
    }

    @Test func boundsOnAHostileFile() throws {
        let channels = (0..<201).map { "  c\($0): {type: log}" }.joined(separator: "\n")
        #expect(throws: ContactBookError.self) {
            try ContactBook.parse("channels:\n\(channels)\nroles: {oncall: [c1]}", path: "big.yaml", environment: [:])
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("contacts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let huge = dir.appendingPathComponent("contacts.yaml")
        try Data(repeating: 0x23, count: 70_000).write(to: huge)
        #expect {
            _ = try ContactBook.load(path: huge.path, environment: [:], webhookURLs: [])
        } throws: { "\($0)".contains("is larger than 64 KiB") }
    }

    /// No file: the log and ALERT_WEBHOOK_URL for every role; without a webhook, the log only,
    /// said once.
    @Test func withoutAFileEveryRoleGoesToTheLogAndTheWebhook() throws {
        let missing = "/nonexistent/contacts.yaml"
        let both = try ContactBook.load(path: missing, environment: [:], webhookURLs: ["https://hooks.example.test/x"])
        #expect(both.destinations(for: ["oncall", "ops"]).map(\.destination.name) == ["log", "webhook"])
        #expect(both.warnings.isEmpty)
        let logOnly = try ContactBook.load(path: missing, environment: [:], webhookURLs: [])
        #expect(logOnly.destinations(for: ["oncall"]).map(\.destination.name) == ["log"])
        #expect(logOnly.warnings.count == 1)
    }

    /// The example shipped in config/ parses, and every role escalation.lua names is reached.
    @Test func theShippedExampleParses() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("config/contacts.example.yaml"), encoding: .utf8)
        let book = try ContactBook.parse(text, path: "config/contacts.example.yaml",
                                         environment: ["SLACK_ONCALL_WEBHOOK_URL": "https://hooks.example.test/a",
                                                       "SLACK_MANAGEMENT_WEBHOOK_URL": "https://hooks.example.test/b",
                                                       "PAGERDUTY_ROUTING_KEY": "R0UTINGKEY"])
        #expect(book.warnings.isEmpty)
        for role in ["oncall", "incident-commander", "tech-lead", "ops", "engineering-manager", "product-manager"] {
            #expect(!book.destinations(for: [role]).isEmpty, "\(role) is reached")
        }
    }
}
