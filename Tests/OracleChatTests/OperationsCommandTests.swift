import Foundation
import Testing
import OracleCore
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The operator commands, run as the built binary the way the runbooks run them.
@Suite(.serialized) struct OperationsCommandTests {
    func environment(_ dir: TemporaryDirectory, _ extra: [String: String] = [:]) throws -> [String: String] {
        try dir.write("empty.env", "")
        return ["DATABASE_URL": dir.file("data/oracle_sessions.db"), "BACKUP_DIR": dir.file("backups"),
                "CONFIG_FILE": dir.file("empty.env"), "LOG_LEVEL": "info"].merging(extra) { $1 }
    }

    @Test func restoreIsRefusedWhileTheServerRunsAndForceOverrides() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let env = try environment(dir)
        let server = try await ServerProcess(environment: env)
        for i in 1...2 { _ = try await server.request("POST", "/api/v1/sessions/", body: "{\"title\":\"s\(i)\"}") }

        let backup = try await OracleChatBinary.run(["db", "backup"], environment: env)
        #expect(backup.status == 0, "\(backup.stderr)")
        let path = try #require(backup.stdout.split(separator: " ").dropFirst(2).first.map(String.init))

        let pid = server.processIdentifier
        let refused = try await OracleChatBinary.run(["db", "restore", path], environment: env)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("PID \(pid)"))
        #expect(refused.stderr.contains("kill -TERM \(pid)") && refused.stderr.contains("systemctl stop oracle-chat"))

        let forced = try await OracleChatBinary.run(["db", "restore", path, "--force"], environment: env)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stdout.contains("Database restored with 2 sessions and 0 messages"))
        #expect(forced.stderr.contains("PID \(pid)"), "warns that the server still runs")
        _ = await server.stop()
    }

    @Test func serverLockIsReleasedOnCleanExitAndRestoreThenWorks() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let env = try environment(dir)
        let server = try await ServerProcess(environment: env)
        _ = try await server.request("POST", "/api/v1/sessions/", body: "{\"title\":\"kept\"}")
        #expect(FileManager.default.fileExists(atPath: dir.file("data/oracle_sessions.db.lock")))
        let backup = try await OracleChatBinary.run(["db", "backup"], environment: env)
        #expect(backup.status == 0)
        _ = try await server.request("POST", "/api/v1/sessions/", body: "{\"title\":\"after the backup\"}")
        #expect(await server.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: dir.file("data/oracle_sessions.db.lock")))

        let restored = try await OracleChatBinary.run(["db", "restore"], environment: env)
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(restored.stdout.contains("Database restored with 1 sessions"))
        #expect(restored.stdout.contains("oracle_sessions_emergency_"))
    }

    /// The hostile restores, run as an operator would: refused with the reason, exit 1,
    /// the database and its lock as they were.
    @Test func hostileBackupsAreRefusedByTheCommand() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let env = try environment(dir)
        let server = try await ServerProcess(environment: env)
        for i in 1...2 { _ = try await server.request("POST", "/api/v1/sessions/", body: "{\"title\":\"s\(i)\"}") }
        let backup = try await OracleChatBinary.run(["db", "backup"], environment: env)
        #expect(await server.stop() == 0)
        let path = try #require(backup.stdout.split(separator: " ").dropFirst(2).first.map(String.init))
        let database = dir.file("data/oracle_sessions.db")
        let before = try Data(contentsOf: URL(fileURLWithPath: database))

        // A genuine backup plus a trigger that empties the history on the next send.
        try FileManager.default.copyItem(atPath: path, toPath: dir.file("trigger.db"))
        #expect(try await Policies.python("""
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute('CREATE TRIGGER purge AFTER INSERT ON messages BEGIN DELETE FROM messages WHERE id != NEW.id; END')
            db.commit()
            """, dir.file("trigger.db")).isEmpty)
        #expect(mkfifo(dir.file("pipe.db"), 0o600) == 0)
        for (file, reason) in [("trigger.db", "unexpected trigger purge on messages"),
                               ("pipe.db", "is not a regular file (it is a FIFO")] {
            let refused = try await OracleChatBinary.run(["db", "restore", dir.file(file)], environment: env)
            #expect(refused.status == 1, "\(file)")
            #expect(refused.stderr.contains(reason), "\(refused.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: database)) == before)
            #expect(!FileManager.default.fileExists(atPath: database + ".lock"))
        }
    }

    @Test func dbCheckExitsOneOnACorruptedFile() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let env = try environment(dir)
        let server = try await ServerProcess(environment: env)
        for i in 1...5 { _ = try await server.request("POST", "/api/v1/sessions/", body: "{\"title\":\"s\(i)\"}") }
        let backup = try await OracleChatBinary.run(["db", "backup"], environment: env)
        #expect(await server.stop() == 0)
        // A backup is one self-contained file (no WAL), so every page can be damaged on disk.
        let path = try #require(backup.stdout.split(separator: " ").dropFirst(2).first.map(String.init))

        let healthy = try await OracleChatBinary.run(["db", "check", "--database", path], environment: env)
        #expect(healthy.status == 0, "\(healthy.stderr)")
        #expect(healthy.stdout.contains("integrity: ok") && healthy.stdout.contains("sessions: 5 rows"))

        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        try #require(data.count > 3 * 4096)
        // Keep the schema pages readable: damage the data pages in the second half.
        for offset in max(8192, data.count / 2 / 4096 * 4096)..<(data.count - 1024) { data[offset] = UInt8(truncatingIfNeeded: offset &* 131) }
        try data.write(to: URL(fileURLWithPath: path))
        let corrupted = try await OracleChatBinary.run(["db", "check", "--database", path], environment: env)
        #expect(corrupted.status == 1)
        #expect(corrupted.stdout.contains("integrity: FAILED"))
        #expect(corrupted.stderr.contains("corrupted"))
    }

    @Test func diagnosticsArchiveContainsNoSecret() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let secrets = ["GEMINI_API_KEY": "AIzaDIAGNOSTICS-gemini-7f3a9", "ADMIN_API_KEY": "admin-DIAGNOSTICS-51c2e",
                       "CHAT_API_KEYS": "chat-DIAGNOSTICS-key-0042:tenant-one"]
        let env = try environment(dir, secrets)
        let server = try await ServerProcess(environment: env)
        let archive = dir.file("diag.tar.gz")
        let result = try await OracleChatBinary.run(["diagnostics", "--out", archive], environment: env.merging(["PORT": "\(server.port)"]) { $1 })
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: archive))

        let unpacked = dir.file("unpacked")
        try FileManager.default.createDirectory(atPath: unpacked, withIntermediateDirectories: true)
        let tar = try await ChildProcess.run("/bin/tar", ["-xzf", archive, "-C", unpacked], timeout: .seconds(60))
        #expect(tar.status == 0, "\(tar.stderr)")

        var scanned: [String] = []
        let walker = FileManager.default.enumerator(atPath: unpacked)
        while let relative = walker?.nextObject() as? String {
            let full = unpacked + "/" + relative
            guard let data = FileManager.default.contents(atPath: full) else { continue }
            let text = String(decoding: data, as: UTF8.self)
            scanned.append((relative as NSString).lastPathComponent)
            for value in ["AIzaDIAGNOSTICS-gemini-7f3a9", "admin-DIAGNOSTICS-51c2e", "chat-DIAGNOSTICS-key-0042"] {
                #expect(!text.contains(value), "\(relative) contains a secret")
            }
        }
        #expect(Set(scanned).isSuperset(of: ["summary.txt", "config.txt", "health.json", "db_check.txt", "versions.txt"]),
                "health was collected from the running server: \(scanned)")
        _ = await server.stop()
    }

    @Test func serverTakesPeriodicBackupsAndReportsThemInHealth() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try await ServerProcess(environment: try environment(dir, ["BACKUP_INTERVAL": "1", "BACKUP_KEEP": "2"]))
        var backups: [String: Any] = [:]
        for _ in 0..<50 where backups["status"] as? String != "ok" {
            try await Task.sleep(for: .milliseconds(200))
            backups = try await server.request("GET", "/health").1["backups"] as? [String: Any] ?? [:]
        }
        #expect(backups["status"] as? String == "ok")
        let last = try #require(backups["last_path"] as? String)
        #expect(FileManager.default.fileExists(atPath: last))
        let (_, database) = try await server.request("GET", "/health/database")
        #expect((database["integrity"] as? [String: Any])?["status"] as? String == "ok")
        _ = await server.stop()
    }
}
