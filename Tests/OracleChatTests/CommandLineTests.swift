import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct CommandLineTests {
    @Test func versionFlag() async throws {
        let result = try await OracleChatBinary.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }

    @Test func usageErrorsExitWithTwo() async throws {
        let unknown = try await OracleChatBinary.run(["policy", "check", "--no-such-flag"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("--no-such-flag"))
        #expect(try await OracleChatBinary.run(["no-such-command"]).status == 2)
        #expect(try await OracleChatBinary.run(["--help"]).status == 0)
    }

    @Test func configCheckReportsEveryProblem() async throws {
        let result = try await OracleChatBinary.run(["config", "check"], environment: [
            "GRADUAL_ROLLOUT_PERCENTAGE": "150", "PERSISTENT_SESSION_TIMEOUT": "30",
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("GRADUAL_ROLLOUT_PERCENTAGE must be an integer 0–100"))
        #expect(result.stderr.contains("PERSISTENT_SESSION_TIMEOUT must be >= 60"))
    }

    /// A bad `ADMIN_API_KEYS` is named with what is wrong and where, and no key (nor anything a
    /// swapped `key:name` pair could make a key) is printed.
    @Test func configCheckNamesABadAdminKeyListWithoutEchoingAKey() async throws {
        let secret = "s3cret-admin-key-value"
        let cases: [(value: String, says: String)] = [
            ("alice:\(secret),\(secret)", "entry 2 of 2 has no ':'"),
            ("Alice Smith:\(secret)", "names of lowercase letters, digits"),
            ("alice:\(secret),alice:other-\(secret)", "entry 2 of 2 repeats an earlier name"),
            ("alice:", "entry 1 of 1 has none"),
        ]
        for (value, says) in cases {
            let result = try await OracleChatBinary.run(["config", "check"], environment: ["ADMIN_API_KEYS": value])
            #expect(result.status == 1, "\(value)")
            #expect(result.stderr.contains("ADMIN_API_KEYS must") && result.stderr.contains(says), "\(result.stderr)")
            #expect(!result.stderr.contains(secret) && !result.stdout.contains(secret))
            #expect(!result.stderr.contains("Alice Smith"))
        }
        let clash = try await OracleChatBinary.run(["config", "check"], environment: [
            "ADMIN_API_KEYS": "admin:\(secret)", "ADMIN_API_KEY": "other-\(secret)"])
        #expect(clash.status == 1 && clash.stderr.contains("ADMIN_API_KEYS must not name a key 'admin' while ADMIN_API_KEY is set"))
        #expect(!clash.stderr.contains(secret))
        let fine = try await OracleChatBinary.run(["config", "check"], environment: ["ADMIN_API_KEYS": "alice:\(secret),ci-bot.2:k2"])
        #expect(fine.status == 0, "\(fine.stderr)")
    }

    @Test func serveRefusesInvalidConfigWithExitCode2() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let result = try await OracleChatBinary.run(["serve", "--port", "0", "--database", dir.file("x.db")],
                                              environment: ["GRADUAL_ROLLOUT_PERCENTAGE": "abc"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("GRADUAL_ROLLOUT_PERCENTAGE must be an integer 0–100"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("x.db")))
    }

    /// A broken contacts file is a configuration problem: `config check` names it, `serve`
    /// refuses to start before opening the database; neither echoes a webhook URL.
    @Test func aBrokenContactsFileIsRefusedByCheckAndServe() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try """
            channels:
              slack: { type: webhook, url: "https://hooks.example.test/T0/secret-token", colour: red }
            roles:
              oncall: [slack]
            """.write(toFile: dir.file("contacts.yaml"), atomically: true, encoding: .utf8)
        let check = try await OracleChatBinary.run(["config", "check"], environment: ["CONTACTS_FILE": dir.file("contacts.yaml")])
        #expect(check.status == 1)
        #expect(check.stderr.contains("CONTACTS_FILE: \(dir.file("contacts.yaml")): unknown key channels.slack.colour"))
        let serve = try await OracleChatBinary.run(["serve", "--port", "0", "--database", dir.file("x.db")],
                                             environment: ["CONTACTS_FILE": dir.file("contacts.yaml")])
        #expect(serve.status == 2)
        #expect(serve.stderr.contains("unknown key channels.slack.colour"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("x.db")))
        #expect(!(check.stderr + serve.stderr).contains("secret-token"))

        // An unset secret is a warning, not an error: the channel is never attempted.
        try """
            channels:
              slack: { type: webhook, url_env: SLACK_URL_NOT_SET }
              log: { type: log }
            roles:
              oncall: [slack, log]
            """.write(toFile: dir.file("contacts.yaml"), atomically: true, encoding: .utf8)
        let warned = try await OracleChatBinary.run(["config", "check"], environment: ["CONTACTS_FILE": dir.file("contacts.yaml")])
        #expect(warned.status == 0)
        #expect(warned.stderr.contains("warning: contacts channel slack is not configured (SLACK_URL_NOT_SET is not set)"))
    }

    /// The models file is configuration too: checked by `config check`, refused by `serve`
    /// before the database is opened, never echoing a key.
    @Test func aBrokenModelsFileIsRefusedByCheckAndServe() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try """
            providers:
              openai: { type: openai, base_url: "http://127.0.0.1:9/v1", api_key: sk-live-SECRET-9876 }
            models:
              gpt-4o: { provider: openai }
              gpt-4o-mini: { provider: open-ai }
            default_model: gpt-4o
            """.write(toFile: dir.file("models.yaml"), atomically: true, encoding: .utf8)
        let environment = ["MODELS_FILE": dir.file("models.yaml")]
        let check = try await OracleChatBinary.run(["config", "check"], environment: environment)
        #expect(check.status == 1)
        #expect(check.stderr.contains("MODELS_FILE: \(dir.file("models.yaml")): models.gpt-4o-mini.provider names 'open-ai', which `providers` does not define"))
        let serve = try await OracleChatBinary.run(["serve", "--port", "0", "--database", dir.file("x.db")], environment: environment)
        #expect(serve.status == 2)
        #expect(serve.stderr.contains("models.gpt-4o-mini.provider"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("x.db")))
        #expect(!(check.stderr + serve.stderr).contains("SECRET"))

        try """
            providers:
              openai: { type: openai, base_url: "http://127.0.0.1:9/v1", api_key: sk-live-SECRET-9876 }
            models:
              gpt-4o: { provider: openai }
            """.write(toFile: dir.file("models.yaml"), atomically: true, encoding: .utf8)
        let fixed = try await OracleChatBinary.run(["config", "check"], environment: environment)
        #expect(fixed.status == 0, "\(fixed.stderr)")
        #expect(fixed.stderr.contains("models: 1 model on 1 provider, default gpt-4o"))
    }

    @Test func missingExplicitConfigFileIsAnError() async throws {
        let result = try await OracleChatBinary.run(["config", "check", "--config", "/nonexistent/oracle.env"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("/nonexistent/oracle.env"))
    }

    @Test func restartOnTheSameFileKeepsEverySessionAndMessage() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let env = ["DATABASE_URL": "sqlite://" + dir.file("data/oracle_sessions.db"), "LOG_LEVEL": "info"]
        var ids: [String] = []
        let first = try await ServerProcess(environment: env)
        for i in 1...3 {
            let (status, session) = try await first.request("POST", "/api/v1/sessions/", body: "{\"title\":\"s\(i)\"}")
            #expect(status == 201)
            let id = try #require(session["id"] as? String)
            ids.append(id)
            let (sent, _) = try await first.request("POST", "/api/v1/sessions/\(id)/messages", body: "{\"content\":\"hello \(i)\"}")
            #expect(sent == 200)
        }
        #expect(await first.stop() == 0, "graceful shutdown on SIGTERM exits 0")

        let second = try await ServerProcess(environment: env)
        let (_, list) = try await second.request("GET", "/api/v1/sessions")
        #expect(list["total"] as? Int == 3)
        for (i, id) in ids.enumerated() {
            let (_, history) = try await second.request("GET", "/api/v1/sessions/\(id)/messages")
            let messages = history["messages"] as? [[String: Any]] ?? []
            #expect(messages.count == 2)
            #expect(messages.first?["content"] as? String == "hello \(i + 1)")
            #expect(messages.last?["role"] as? String == "assistant")
        }
        _ = await second.stop()
    }
}
