import GRDB
import Foundation
import OracleCore
import Storage
import Synchronization
import Testing
import TestSupport

@Suite struct SQLiteStoreTests {
    func withStore(_ body: (SQLiteStore, TemporaryDirectory) async throws -> Void) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(location: DatabaseLocation(path: dir.file("db/oracle_sessions.db")))
        try await store.migrate()
        try await body(store, dir)
        try store.close()
    }

    @Test func createsDatabaseFolderAndMigrates() async throws {
        try await withStore { store, dir in
            #expect(FileManager.default.fileExists(atPath: dir.file("db/oracle_sessions.db")))
            let migrated = try await store.isMigrated()
            #expect(migrated)
            let health = await store.health()
            #expect(health.status == "healthy")
            #expect(health.schemaVersion == SQLiteStore.latestMigration)
        }
    }

    @Test func messagesKeepOrderAndDeleteCascades() async throws {
        try await withStore { store, _ in
            let session = try await store.createSession(tenant: "t", title: "A")
            for i in 1...5 {
                _ = try await store.appendMessage(NewMessage(role: i % 2 == 1 ? .user : .assistant, content: "m\(i)"),
                                                  sessionID: session.id, tenant: "t")
            }
            let all = try await store.messages(sessionID: session.id, tenant: "t", last: nil)
            #expect(all.map(\.content) == ["m1", "m2", "m3", "m4", "m5"])
            #expect(all.map(\.sequence) == [1, 2, 3, 4, 5])
            let lastTwo = try await store.messages(sessionID: session.id, tenant: "t", last: 2)
            #expect(lastTwo.map(\.content) == ["m4", "m5"])
            #expect(try await store.session(id: session.id, tenant: "t")?.messageCount == 5)

            #expect(try await store.deleteSession(id: session.id, tenant: "t"))
            let orphans = try await store.writer.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM messages WHERE session_id = ?", arguments: [session.id])
            }
            #expect(orphans == 0)
            #expect(try await store.deleteSession(id: session.id, tenant: "t") == false)
        }
    }

    @Test func tenantsAreIsolated() async throws {
        try await withStore { store, _ in
            let mine = try await store.createSession(tenant: "a", title: "mine")
            #expect(try await store.session(id: mine.id, tenant: "b") == nil)
            #expect(try await store.deleteSession(id: mine.id, tenant: "b") == false)
            await #expect(throws: StorageError.notFound) {
                _ = try await store.appendMessage(NewMessage(role: .user, content: "x"), sessionID: mine.id, tenant: "b")
            }
            #expect(try await store.listSessions(tenant: "b", limit: 10, offset: 0).total == 0)
            #expect(try await store.messages(sessionID: mine.id, tenant: "a", last: nil).isEmpty)
        }
    }

    @Test func anExchangeIsStoredInOneGoInOrderWithTheQuestionsArrivalTime() async throws {
        try await withStore { store, _ in
            let session = try await store.createSession(tenant: "t", title: "A")
            let arrived = Date(timeIntervalSinceNow: -5)
            let stored = try await store.appendMessages([
                NewMessage(role: .user, content: "q", status: .failed, error: "no reply", createdAt: arrived),
                NewMessage(role: .assistant, content: "a"),
            ], sessionID: session.id, tenant: "t")
            #expect(stored.map(\.sequence) == [1, 2])
            let read = try await store.messages(sessionID: session.id, tenant: "t", last: nil)
            #expect(read.map(\.id) == stored.map(\.id))
            #expect(read[0].status == .failed && read[0].error == "no reply")
            #expect(abs(read[0].createdAt.timeIntervalSince(arrived)) < 0.002, "the question keeps the time it arrived")
            #expect(read[1].createdAt.timeIntervalSince(read[0].createdAt) > 4, "the reply has the time it was stored")
            #expect(try await store.session(id: session.id, tenant: "t")?.messageCount == 2)
            await #expect(throws: StorageError.notFound) {
                _ = try await store.appendMessages([NewMessage(role: .user, content: "x"), NewMessage(role: .assistant, content: "y")],
                                                   sessionID: session.id, tenant: "other")
            }
            #expect(try await store.messages(sessionID: session.id, tenant: "t", last: nil).count == 2)
        }
    }

    @Test func contextEntriesAreTheNewestMessagesOldestFirstOrNilForAnUnknownSession() async throws {
        try await withStore { store, _ in
            let session = try await store.createSession(tenant: "t", title: "A")
            #expect(try await store.contextEntries(sessionID: session.id, tenant: "t", last: 10) == [])
            _ = try await store.appendMessages([
                NewMessage(role: .user, content: "q1"), NewMessage(role: .assistant, content: "a1", isFallback: true),
                NewMessage(role: .user, content: "q2", status: .failed, error: "down"), NewMessage(role: .user, content: "q3"),
            ], sessionID: session.id, tenant: "t")
            let entries = try #require(try await store.contextEntries(sessionID: session.id, tenant: "t", last: 3))
            #expect(entries == [
                ContextEntry(role: .assistant, content: "a1", status: .complete, isFallback: true),
                ContextEntry(role: .user, content: "q2", status: .failed, isFallback: false),
                ContextEntry(role: .user, content: "q3", status: .complete, isFallback: false),
            ])
            #expect(try await store.contextEntries(sessionID: session.id, tenant: "other", last: 3) == nil)
            #expect(try await store.contextEntries(sessionID: "no-such-session", tenant: "t", last: 3) == nil)
        }
    }

    /// Group commit: appends that wait for a busy writer share one transaction (one fsync), and
    /// each still stands or falls alone.
    @Test func appendsWaitingForTheWriterShareACommitAndEachStaysWhole() async throws {
        try await withStore { store, _ in
            var ids: [String] = []
            for n in 0..<8 { ids.append(try await store.createSession(tenant: "t", title: "s\(n)").id) }
            let commits = CommitCounter()
            store.writer.add(transactionObserver: commits)
            // Keep the writer busy so the appends below queue up behind it.
            store.writer.asyncWriteWithoutTransaction { _ in Thread.sleep(forTimeInterval: 0.3) }
            let outcomes = await withTaskGroup(of: (String, [StoredMessage]?).self) { group in
                for id in ids + ["no-such-session"] {
                    group.addTask {
                        let stored = try? await store.appendMessages(
                            [NewMessage(role: .user, content: "q \(id)"), NewMessage(role: .assistant, content: "a \(id)")],
                            sessionID: id, tenant: "t")
                        return (id, stored)
                    }
                }
                return await group.reduce(into: [String: [StoredMessage]?]()) { $0[$1.0] = $1.1 }
            }
            #expect(outcomes["no-such-session"] == .some(nil), "the append to an unknown session fails")
            for id in ids {
                #expect(outcomes[id]??.map(\.sequence) == [1, 2])
                let read = try await store.messages(sessionID: id, tenant: "t", last: nil)
                #expect(read.map(\.content) == ["q \(id)", "a \(id)"], "each exchange whole, in its own session")
                #expect(try await store.session(id: id, tenant: "t")?.messageCount == 2)
            }
            #expect(commits.count < ids.count, "\(commits.count) commits for \(ids.count) appends: they were not grouped")
        }
    }

    /// A reply already paid for is kept when the client that asked has gone (its task cancelled).
    @Test func aCancelledCallerStillHasItsMessagesStored() async throws {
        try await withStore { store, _ in
            let session = try await store.createSession(tenant: "t", title: "A")
            let append = Task {
                try await store.appendMessages([NewMessage(role: .user, content: "q"), NewMessage(role: .assistant, content: "a")],
                                               sessionID: session.id, tenant: "t")
            }
            append.cancel()
            let stored = try await append.value
            #expect(stored.count == 2)
            #expect(try await store.messages(sessionID: session.id, tenant: "t", last: nil).map(\.content) == ["q", "a"])
        }
    }

    @Test func listIsNewestFirstAndPaginated() async throws {
        try await withStore { store, _ in
            for i in 1...5 { _ = try await store.createSession(tenant: "t", title: "s\(i)") }
            let first = try await store.listSessions(tenant: "t", limit: 2, offset: 0)
            #expect(first.total == 5)
            #expect(first.sessions.map(\.title) == ["s5", "s4"])
            let last = try await store.listSessions(tenant: "t", limit: 2, offset: 4)
            #expect(last.sessions.map(\.title) == ["s1"])
        }
    }

    @Test func concurrentAppendsGetDistinctSequenceNumbers() async throws {
        try await withStore { store, _ in
            let session = try await store.createSession(tenant: "t", title: "busy")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<40 {
                    group.addTask {
                        _ = try await store.appendMessage(NewMessage(role: .user, content: "\(i)"), sessionID: session.id, tenant: "t")
                    }
                }
                try await group.waitForAll()
            }
            let all = try await store.messages(sessionID: session.id, tenant: "t", last: nil)
            #expect(all.map(\.sequence) == Array(1...40))
            #expect(Set(all.map(\.content)).count == 40)
        }
    }

    @Test func everythingSurvivesReopeningTheFile() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let location = DatabaseLocation(path: dir.file("oracle_sessions.db"))
        var ids: [String] = []
        do {
            let store = try SQLiteStore(location: location)
            try await store.migrate()
            for i in 1...3 {
                let s = try await store.createSession(tenant: "t", title: "s\(i)")
                ids.append(s.id)
                _ = try await store.appendMessage(NewMessage(role: .user, content: "hello \(i)"), sessionID: s.id, tenant: "t")
                _ = try await store.appendMessage(
                    NewMessage(role: .assistant, content: "reply \(i)", provider: "offline", model: "m",
                               usage: TokenUsage(promptTokens: 2, completionTokens: 3, totalTokens: 5, cachedTokens: 1)),
                    sessionID: s.id, tenant: "t")
            }
            try store.close()
        }
        let reopened = try SQLiteStore(location: location)
        try await reopened.migrate()
        #expect(try await reopened.listSessions(tenant: "t", limit: 10, offset: 0).total == 3)
        for (i, id) in ids.enumerated() {
            let messages = try await reopened.messages(sessionID: id, tenant: "t", last: nil)
            #expect(messages.map(\.content) == ["hello \(i + 1)", "reply \(i + 1)"])
            #expect(messages[1].usage == TokenUsage(promptTokens: 2, completionTokens: 3, totalTokens: 5, cachedTokens: 1))
        }
        try reopened.close()
    }

    @Test func walModeAndFullSyncAreOn() async throws {
        try await withStore { store, _ in
            let (mode, sync) = try await store.writer.read { db in
                (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
            }
            #expect(mode == "wal")
            #expect(sync == 2) // FULL
            let writerSync = try await store.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
            #expect(writerSync == 2, "the writer connection, which commits, syncs every commit")
        }
    }

    @Test func closeLeavesACompleteDatabaseFile() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(location: DatabaseLocation(path: dir.file("oracle_sessions.db")))
        try await store.migrate()
        let session = try await store.createSession(tenant: "t", title: "kept")
        try store.close()
        let wal = (try? FileManager.default.attributesOfItem(atPath: dir.file("oracle_sessions.db-wal"))[.size] as? Int) ?? 0
        #expect(wal == 0, "the WAL was checkpointed into the file")
        // The .db file alone (what a plain file copy takes) holds everything.
        try FileManager.default.copyItem(atPath: dir.file("oracle_sessions.db"), toPath: dir.file("copy.db"))
        let copy = try SQLiteStore(location: DatabaseLocation(path: dir.file("copy.db")))
        #expect(try await copy.session(id: session.id, tenant: "t")?.title == "kept")
        try copy.close()
    }
}

/// `.background` checkpointing: commits leave the WAL alone (below the backstop) and a
/// `WALCheckpointer` on its own connection copies it into the database file.
@Suite struct WALCheckpointTests {
    @Test func commitsLeaveTheWALToTheCheckpointer() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let location = DatabaseLocation(path: dir.file("oracle_sessions.db"))
        let store = try SQLiteStore(location: location, checkpointing: .background(backstopPages: 100_000))
        try await store.migrate()
        let session = try await store.createSession(tenant: "t", title: "big")
        // About 1900 pages: SQLite's automatic checkpoint (at 1000) would have run in a commit.
        let text = String(repeating: "x", count: 16_000)
        for _ in 0..<200 {
            _ = try await store.appendMessage(NewMessage(role: .user, content: text), sessionID: session.id, tenant: "t")
        }
        let checkpointer = try WALCheckpointer(location: location)
        let result = try await checkpointer.checkpoint()
        #expect(result.walFrames > 1000, "a commit checkpointed: the WAL holds only \(result.walFrames) frames")
        #expect(result.checkpointedFrames == result.walFrames)

        // The database file alone now holds every message (the WAL is not copied).
        let copy = dir.file("copy.db")
        try FileManager.default.copyItem(atPath: location.path, toPath: copy)
        let copied = try DatabaseQueue(path: copy)
        let count = try await copied.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM messages") }
        #expect(count == 200)
        try copied.close()
        try checkpointer.close()
        try store.close()
    }
}

/// Counts committed write transactions.
final class CommitCounter: TransactionObserver, @unchecked Sendable {
    private let commits = Mutex(0)
    var count: Int { commits.withLock { $0 } }
    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { true }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseDidCommit(_ db: Database) { commits.withLock { $0 += 1 } }
    func databaseDidRollback(_ db: Database) {}
}
