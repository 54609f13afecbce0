import Foundation
import GRDB
import OracleCore
import Storage
import Testing
import TestSupport

@Suite struct RestoreTests {
    /// A database with `old` sessions, a backup of it, then `extra` more sessions in the live file.
    func prepared(old: Int = 3, extra: Int = 2) async throws -> (StoreFixture, backup: String) {
        let fixture = try await StoreFixture()
        try await fixture.fill(sessions: old, messages: 20, content: String(repeating: "m", count: 500))
        let backup = try await fixture.store.backup(into: fixture.dir.file("backups")).path
        try await fixture.fill(sessions: extra, messages: 1)
        try fixture.store.close()
        return (fixture, backup)
    }

    func fileBytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    @Test func restoreReplacesTheDatabaseAndKeepsAnEmergencyCopy() async throws {
        let (fixture, backup) = try await prepared()
        defer { fixture.close() }
        let outcome = try await DatabaseRestore(source: backup, target: fixture.location,
                                                backupsDirectory: fixture.dir.file("backups")).run()
        #expect(outcome.sessions == 3 && outcome.messages == 60)
        #expect(outcome.priorLock == .free)
        let emergency = try #require(outcome.emergencyCopy)
        #expect(emergency.contains("oracle_sessions_emergency_") && outcome.emergencyCopyVerified)
        #expect(try counts(ofFileAt: emergency).sessions == 5, "the emergency copy holds the replaced database")
        #expect(try counts(ofFileAt: fixture.location.path).sessions == 3)
        for companion in ["-wal", "-shm"] {
            #expect(!FileManager.default.fileExists(atPath: fixture.location.path + companion), "stale \(companion) removed")
        }
        #expect(!FileManager.default.fileExists(atPath: DatabaseLock.path(for: fixture.location)), "lock released")
        // The server can open and use the restored file.
        let reopened = try SQLiteStore(location: fixture.location)
        try await reopened.migrate()
        #expect(try await reopened.listSessions(tenant: "t", limit: 10, offset: 0).total == 3)
        try reopened.close()
    }

    @Test func corruptedBackupIsRefusedAndNothingChanges() async throws {
        let (fixture, backup) = try await prepared()
        defer { fixture.close() }
        let damaged = fixture.dir.file("damaged.db")
        try FileManager.default.copyItem(atPath: backup, toPath: damaged)
        try corrupt(damaged)
        let before = try fileBytes(fixture.location.path)
        let backupsBefore = try FileManager.default.contentsOfDirectory(atPath: fixture.dir.file("backups"))

        await #expect {
            _ = try await DatabaseRestore(source: damaged, target: fixture.location,
                                          backupsDirectory: fixture.dir.file("backups")).run()
        } throws: { error in
            guard case DatabaseOperationError.integrityFailed(let path, let problems) = error else { return false }
            return path == damaged && !problems.isEmpty
        }
        #expect(try fileBytes(fixture.location.path) == before, "the database is untouched")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.dir.file("backups")) == backupsBefore)
        #expect(try counts(ofFileAt: fixture.location.path).sessions == 5)
    }

    @Test func filesThatAreNotOracleChatBackupsAreRefused() async throws {
        let (fixture, _) = try await prepared()
        defer { fixture.close() }
        try fixture.dir.write("notes.db", "just text, not SQLite")
        let other = try DatabaseQueue(path: fixture.dir.file("other.db"))
        try await other.write { db in try db.execute(sql: "CREATE TABLE foo (x)") }
        try other.close()
        for (file, expected) in [("notes.db", "not a SQLite database"), ("other.db", "not an Oracle Chat database"),
                                 ("missing.db", "no database file")] {
            await #expect {
                _ = try await DatabaseRestore(source: fixture.dir.file(file), target: fixture.location,
                                              backupsDirectory: fixture.dir.file("backups")).run()
            } throws: { error in "\(error)".contains(expected) }
        }
        #expect(try counts(ofFileAt: fixture.location.path).sessions == 5)
    }

    @Test func restoreIsRefusedWhileTheLockIsHeldUnlessForced() async throws {
        let (fixture, backup) = try await prepared()
        defer { fixture.close() }
        let lock = try DatabaseLock(acquiring: fixture.location)
        defer { lock.release() }
        #expect(DatabaseLock.probe(fixture.location) == .held(pid: getpid()))
        await #expect {
            _ = try await DatabaseRestore(source: backup, target: fixture.location,
                                          backupsDirectory: fixture.dir.file("backups")).run()
        } throws: { error in
            guard case DatabaseOperationError.inUse(_, _, let pid) = error else { return false }
            return pid == getpid() && "\(error)".contains("PID \(getpid())")
        }
        #expect(try counts(ofFileAt: fixture.location.path).sessions == 5)

        let forced = try await DatabaseRestore(source: backup, target: fixture.location,
                                               backupsDirectory: fixture.dir.file("backups"), force: true).run()
        #expect(forced.priorLock == .held(pid: getpid()))
        #expect(try counts(ofFileAt: fixture.location.path).sessions == 3)
    }

    @Test func lockFileOfADeadProcessIsStale() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let location = DatabaseLocation(path: dir.file("db/oracle_sessions.db"))
        #expect(DatabaseLock.probe(location) == .free)
        // What a crashed server leaves: the file with its PID, but no process holding the lock.
        try dir.write("db/oracle_sessions.db.lock", "4242\n")
        #expect(DatabaseLock.probe(location) == .stale(pid: 4242))
        let lock = try DatabaseLock(acquiring: location)
        #expect(DatabaseLock.probe(location) == .held(pid: getpid()))
        #expect(throws: DatabaseOperationError.self) { _ = try DatabaseLock(acquiring: location) }
        lock.release()
        lock.release()
        #expect(DatabaseLock.probe(location) == .free)
    }
}
