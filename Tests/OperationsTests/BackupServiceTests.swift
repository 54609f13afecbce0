import Foundation
import Logging
import Operations
import OracleCore
import Storage
import Testing
import TestSupport

@Suite struct BackupServiceTests {
    @Test func recordsSuccessAndFailureInTheStatus() async throws {
        let fixture = try await MigratedStore()
        defer { fixture.close() }
        let (dir, store) = (fixture.dir, fixture.store)
        let status = BackupStatus(intervalSeconds: 60)
        #expect(status.snapshot.status == "pending")

        let good = BackupService(store: store, settings: BackupSettings(directory: dir.file("backups"), interval: 60, keep: 2),
                                 status: status, logger: Logger(label: "test"))
        for _ in 0..<3 { await good.backupOnce() }
        let snapshot = status.snapshot
        #expect(snapshot.status == "ok" && snapshot.error == nil)
        let last = try #require(snapshot.lastPath)
        #expect(FileManager.default.fileExists(atPath: last))
        #expect(BackupName.database.entries(in: dir.file("backups")).count == 2, "BACKUP_KEEP applies")

        try dir.write("not-a-folder", "x")
        let bad = BackupService(store: store, settings: BackupSettings(directory: dir.file("not-a-folder"), interval: 60, keep: 2),
                                status: status, logger: Logger(label: "test"))
        #expect(await bad.backupOnce() == nil)
        #expect(status.snapshot.status == "error")
        #expect(status.snapshot.lastSuccessAt == snapshot.lastSuccessAt, "the last good backup stays known")
    }

    @Test func integrityMonitorCachesTheQuickCheck() async throws {
        let fixture = try await MigratedStore()
        defer { fixture.close() }
        let store = fixture.store
        let status = IntegrityStatus()
        #expect(status.snapshot.status == "unknown")
        await IntegrityMonitor(store: store, status: status, logger: Logger(label: "test")).checkOnce()
        #expect(status.snapshot.status == "ok" && status.snapshot.checkedAt != nil)
    }

    @Test func settingsComeFromTheCatalog() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let config = try await TestConfig.make(["BACKUP_INTERVAL": "3600", "BACKUP_DIR": "/var/backups/oc"], in: dir)
        #expect(BackupSettings(values: config.resolved) == BackupSettings(directory: "/var/backups/oc", interval: 3600, keep: 5))
        let loaded = try await ConfigLoader.load(environment: ["BACKUP_KEEP": "-1"], configFile: dir.file("empty.env"))
        #expect(loaded.problems.contains { $0.hasPrefix("BACKUP_KEEP must be an integer 0–10000") })
    }
}
