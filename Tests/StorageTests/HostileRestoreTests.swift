import Foundation
import GRDB
import OracleCore
@testable import Storage
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Files a restore must refuse although they pass `integrity_check`: each is built for real
/// with SQLite from a genuine backup, and the database being restored into must stay as it was.
@Suite struct HostileRestoreTests {
    /// A database with 2 sessions of 3 messages and a genuine backup of it.
    func prepared() async throws -> (StoreFixture, backup: String) {
        let fixture = try await StoreFixture()
        try await fixture.fill(sessions: 2, messages: 3)
        let backup = try await fixture.store.backup(into: fixture.dir.file("backups")).path
        try fixture.store.close()
        return (fixture, backup)
    }

    /// A copy of `backup` changed by `sql`.
    func hostile(_ fixture: StoreFixture, from backup: String, named name: String, _ sql: String) throws -> String {
        let path = fixture.dir.file(name)
        try FileManager.default.copyItem(atPath: backup, toPath: path)
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in try db.execute(sql: sql) }
        try queue.close()
        return path
    }

    func restore(_ fixture: StoreFixture, from source: String) async throws -> DatabaseRestore.Outcome {
        try await DatabaseRestore(source: source, target: fixture.location, backupsDirectory: fixture.dir.file("backups")).run()
    }

    /// Everything a user would notice of the target: its bytes, no lock file, no new backup.
    func snapshot(_ fixture: StoreFixture) throws -> (bytes: Data, lock: Bool, backups: [String]) {
        (try Data(contentsOf: URL(fileURLWithPath: fixture.location.path)),
         FileManager.default.fileExists(atPath: DatabaseLock.path(for: fixture.location)),
         try FileManager.default.contentsOfDirectory(atPath: fixture.dir.file("backups")).sorted())
    }

    @Test func schemasThisBuildDidNotWriteAreRefusedAndTheDatabaseIsUntouched() async throws {
        let (fixture, backup) = try await prepared()
        defer { fixture.close() }
        let latest = SQLiteStore.latestMigration
        let cases: [(name: String, sql: String, expected: [String])] = [
            // The attack of the issue: one send afterwards leaves 1 of 400 messages.
            ("trigger.db", "CREATE TRIGGER purge AFTER INSERT ON messages BEGIN DELETE FROM messages WHERE id != NEW.id; END",
             ["unexpected trigger purge on messages"]),
            ("view.db", "CREATE VIEW everything AS SELECT * FROM messages", ["unexpected view everything"]),
            ("index.db", "CREATE INDEX by_content ON messages (content)", ["unexpected index by_content on messages"]),
            ("table.db", "CREATE TABLE exfiltrate (x)", ["unexpected table exfiltrate"]),
            ("altered.db", "ALTER TABLE sessions ADD COLUMN owner TEXT", ["table sessions differs from this build's definition"]),
            ("dropped-index.db", "DROP INDEX sessions_by_tenant_created", ["index sessions_by_tenant_created on sessions is missing"]),
            ("future.db", "INSERT INTO grdb_migrations (identifier) VALUES ('zz_from_the_future')",
             ["migrations this build does not know: zz_from_the_future"]),
            ("gap.db", "DELETE FROM grdb_migrations WHERE identifier = 'v3_runtime_overrides'",
             ["migrations missing from grdb_migrations although \(latest) is recorded: v3_runtime_overrides"]),
            // Without its newest row the file claims to be older than its schema is.
            ("unrecorded.db", "DELETE FROM grdb_migrations WHERE identifier = '\(latest)'",
             ["unexpected table tenant_usage"]),
        ]
        let before = try snapshot(fixture)
        for (name, sql, expected) in cases {
            let path = try hostile(fixture, from: backup, named: name, sql)
            #expect(try DatabaseInspector.integrity(ofFileAt: path).ok, "\(name) passes integrity_check")
            await #expect("\(name) is refused") {
                _ = try await restore(fixture, from: path)
            } throws: { error in
                let message = "\(error)"
                return message.contains(path) && expected.allSatisfy(message.contains)
                    && (message.contains("does not have this build's schema") || message.contains("not an Oracle Chat database"))
            }
            let after = try snapshot(fixture)
            #expect(after.bytes == before.bytes && !after.lock && after.backups == before.backups,
                    "\(name): the database is untouched, no lock or emergency copy is left")
        }
        #expect(try counts(ofFileAt: fixture.location.path).messages == 6)
    }

    @Test func anOlderBackupIsRestoredAndTheServerMigratesIt() async throws {
        let (fixture, _) = try await prepared()
        defer { fixture.close() }
        // A genuine backup of an older build: every migration up to v5, none after.
        let older = try SQLiteStore(location: DatabaseLocation(path: fixture.dir.file("older.db")))
        try SQLiteStore.migrator.migrate(older.writer, upTo: "v5_policy_version_tests")
        _ = try await older.createSession(tenant: "t", title: "from the older build")
        try older.close()

        let outcome = try await restore(fixture, from: fixture.dir.file("older.db"))
        #expect(outcome.sessions == 1)
        let reopened = try SQLiteStore(location: fixture.location)
        try await reopened.migrate()
        #expect(try await reopened.isMigrated())
        try reopened.close()
    }

    @Test func somethingOtherThanARegularFileIsRefusedAtOnceWithoutTakingTheLock() async throws {
        let (fixture, _) = try await prepared()
        defer { fixture.close() }
        let fifo = fixture.dir.file("pipe.db")
        #expect(mkfifo(fifo, 0o600) == 0)
        let folder = fixture.dir.file("folder.db")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let before = try snapshot(fixture)
        // No writer ever opens the FIFO: a restore that opened it for reading would wait forever.
        for (path, kind) in [(fifo, "a FIFO"), (folder, "a directory")] {
            await #expect {
                _ = try await restore(fixture, from: path)
            } throws: { error in
                "\(error)" == "\(path) is not a regular file (it is \(kind)\(kind == "a FIFO" ? " (named pipe)" : ""))"
            }
            let after = try snapshot(fixture)
            #expect(after.bytes == before.bytes && !after.lock && after.backups == before.backups)
        }
        #expect(DatabaseLock.probe(fixture.location) == .free)
    }

    @Test func leftoversOfAnInterruptedRestoreAreRemovedByTheNextOne() async throws {
        let (fixture, backup) = try await prepared()
        defer { fixture.close() }
        // The PID of a process that has exited: what a restore killed part-way leaves behind.
        let dead = try await ChildProcess.run("/bin/true", timeout: .seconds(30)).processIdentifier
        let folder = (fixture.location.path as NSString).deletingLastPathComponent
        let name = "." + (fixture.location.path as NSString).lastPathComponent + ".restore-"
        let left = ["\(dead)", "\(dead)-journal"].map { "\(folder)/\(name)\($0)" }
        // A live process's file may still be being written: it stays.
        let live = "\(folder)/\(name)\(getppid())"
        for file in left + [live] { #expect(FileManager.default.createFile(atPath: file, contents: Data("half".utf8))) }

        let outcome = try await restore(fixture, from: backup)
        #expect(outcome.removedLeftovers == left.sorted())
        for file in left { #expect(!FileManager.default.fileExists(atPath: file)) }
        #expect(FileManager.default.fileExists(atPath: live))
        #expect(outcome.sessions == 2)
    }

    @Test func aFullDiskIsCalledAFullDisk() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // SQLite's own "disk full": a database that may not grow past a few pages.
        let queue = try DatabaseQueue(path: dir.file("small.db"))
        defer { try? queue.close() }
        let full: (any Error)? = try queue.writeWithoutTransaction { db in
            try db.execute(sql: "CREATE TABLE t (x); PRAGMA max_page_count = 4")
            do {
                for _ in 0..<100 { try db.execute(sql: "INSERT INTO t VALUES (zeroblob(4000))") }
                return nil
            } catch {
                return error
            }
        }
        let error = try #require(full)
        #expect((error as? DatabaseError)?.resultCode == .SQLITE_FULL)
        #expect(DatabaseOperationError.cause(of: error) == "disk full (SQLITE_FULL)")

        // The kernel's: /dev/full answers every write with ENOSPC.
        if FileManager.default.fileExists(atPath: "/dev/full") {
            #expect {
                try FileHandle(forWritingAtPath: "/dev/full").map { try $0.write(contentsOf: Data(count: 1)) }
            } throws: { error in DatabaseOperationError.cause(of: error).hasPrefix("disk full") }
        }
        #expect(DatabaseOperationError.describe(errno: EACCES).hasPrefix("permission denied"))
    }
}
