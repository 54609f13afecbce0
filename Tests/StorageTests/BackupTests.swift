import Foundation
import GRDB
import OracleCore
import Storage
import Testing
import TestSupport

@Suite struct BackupTests {
    @Test func backupDuringConcurrentWritesIsAConsistentPrefix() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.close() }
        let store = fixture.store
        // Several MB, so the copy takes many backup steps while the writer runs.
        let ids = try await fixture.fill(sessions: 4, messages: 200, content: String(repeating: "x", count: 4000))
        let writer = Task {
            var written = 0
            for i in 0..<400 {
                _ = try await store.appendMessage(NewMessage(role: .user, content: "late \(i)"), sessionID: ids[i % ids.count], tenant: "t")
                if i % 50 == 0 { _ = try await store.createSession(tenant: "t", title: "late \(i)") }
                written += 1
            }
            return written
        }
        let backup = try await store.backup(into: fixture.dir.file("backups"))
        #expect(try await writer.value == 400)

        #expect(BackupName.database.parse((backup.path as NSString).lastPathComponent) != nil)
        let final = try counts(ofFileAt: fixture.location.path)
        let copied = try counts(ofFileAt: backup.path)
        #expect(copied.messages >= 800 && copied.messages <= final.messages)
        #expect(copied.sessions >= 4 && copied.sessions <= final.sessions)
        #expect(copied.orphans == 0, "every message's session is in the backup")
        #expect(copied.mismatched == 0, "message_count matches the messages: a transaction-consistent snapshot")

        // Restore into a fresh path and compare with the backup.
        let fresh = DatabaseLocation(path: fixture.dir.file("fresh/oracle_sessions.db"))
        let outcome = try await DatabaseRestore(source: backup.path, target: fresh, backupsDirectory: fixture.dir.file("backups")).run()
        #expect(outcome.emergencyCopy == nil)
        #expect(outcome.sessions == copied.sessions && outcome.messages == copied.messages)
        let restored = try counts(ofFileAt: fresh.path)
        #expect(restored.sessions == copied.sessions && restored.messages == copied.messages)
        #expect(try DatabaseInspector.integrity(ofFileAt: fresh.path).ok)
    }

    @Test func backupNamesAreUniqueAndKeepPrunesOnlyThePattern() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.close() }
        try await fixture.fill(sessions: 1, messages: 1)
        let folder = fixture.dir.file("backups")
        try fixture.dir.write("backups/oracle_sessions_emergency_20000101_000000.db", "keep me")
        try fixture.dir.write("backups/notes.txt", "keep me")
        var paths: [String] = []
        for _ in 0..<4 { paths.append(try await fixture.store.backup(into: folder, keep: 2).path) }
        #expect(Set(paths).count == 4, "same-second backups get a suffix")
        let left = BackupName.database.entries(in: folder).map(\.path)
        #expect(left == [paths[3], paths[2]])
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(names.contains("oracle_sessions_emergency_20000101_000000.db"))
        #expect(names.contains("notes.txt"))
        #expect(!names.contains { $0.hasPrefix(".") }, "no temporary file left behind")
    }

    @Test func backupNamePattern() {
        let name = BackupName.database
        #expect(name.parse("oracle_sessions_20250101_120000.db")?.stamp == "20250101_120000")
        #expect(name.parse("oracle_sessions_20250101_120000.db")?.sequence == 1)
        #expect(name.parse("oracle_sessions_20250101_120000_12.db")?.sequence == 12)
        #expect(name.parse("oracle_sessions_emergency_20250101_120000.db") == nil)
        #expect(name.parse("oracle_sessions_2025010_120000.db") == nil)
        #expect(name.parse(".oracle_sessions_20250101_120000.db.partial-1") == nil)
        #expect(BackupName.stamp(Date(timeIntervalSince1970: 0)) == "19700101_000000")
    }
}
