import Foundation
import Operations
import Testing
import TestSupport

@Suite struct ConfigSnapshotTests {
    func setUp() throws -> (TemporaryDirectory, ConfigSources) {
        let dir = try TemporaryDirectory()
        try dir.write("config/oracle-chat.env", "GRADUAL_ROLLOUT_PERCENTAGE=10\n")
        try dir.write("policies/rollout.lua", "-- v1\n")
        try dir.write("policies/tests/rollout_test.lua", "-- test v1\n")
        try dir.write("lua/prelude.lua", "-- prelude\n")
        return (dir, ConfigSources(configFile: dir.file("config/oracle-chat.env"),
                                   policiesDirectory: dir.file("policies"), luaDirectory: dir.file("lua")))
    }

    func read(_ dir: TemporaryDirectory, _ name: String) -> String? { try? String(contentsOfFile: dir.file(name), encoding: .utf8) }

    @Test func rollbackRestoresEverythingTogetherAfterSavingTheCurrentState() throws {
        let (dir, sources) = try setUp()
        defer { dir.remove() }
        let saved = try ConfigSnapshot.create(from: sources, in: dir.file("backups"))
        #expect((saved.path as NSString).lastPathComponent.hasPrefix("config_"))
        #expect(saved.manifest.files.map(\.path) == ["oracle-chat.env", "policies/rollout.lua",
                                                     "policies/tests/rollout_test.lua", "lua/prelude.lua"])
        #expect(saved.manifest.files.allSatisfy { $0.sha256.count == 64 })
        #expect(!saved.manifest.notIncluded.isEmpty)

        try dir.write("config/oracle-chat.env", "GRADUAL_ROLLOUT_PERCENTAGE=100\n")
        try dir.write("policies/rollout.lua", "-- v2 broken\n")
        try dir.write("policies/extra.lua", "-- added later\n")

        let rollback = try ConfigSnapshot.rollback(to: nil, sources: sources, in: dir.file("backups"))
        #expect(rollback.snapshot == saved.path)
        #expect(read(dir, "config/oracle-chat.env") == "GRADUAL_ROLLOUT_PERCENTAGE=10\n")
        #expect(read(dir, "policies/rollout.lua") == "-- v1\n")
        #expect(read(dir, "policies/tests/rollout_test.lua") == "-- test v1\n")
        #expect(read(dir, "policies/extra.lua") == nil)
        // The state before the rollback is kept, and a later rollback by name can return to it.
        #expect((rollback.emergencySnapshot as NSString).lastPathComponent.hasPrefix("config_emergency_"))
        let emergency = try ConfigSnapshot.verify(rollback.emergencySnapshot)
        #expect(emergency.kind == "emergency" && emergency.files.contains { $0.path == "policies/extra.lua" })
        _ = try ConfigSnapshot.rollback(to: rollback.emergencySnapshot, sources: sources, in: dir.file("backups"))
        #expect(read(dir, "policies/extra.lua") == "-- added later\n")
        #expect(ConfigSnapshot.regular.entries(in: dir.file("backups")).count == 1, "emergency snapshots are not regular ones")
    }

    @Test func damagedSnapshotIsRefusedAndNothingChanges() throws {
        let (dir, sources) = try setUp()
        defer { dir.remove() }
        let saved = try ConfigSnapshot.create(from: sources, in: dir.file("backups"))
        try "tampered".write(toFile: saved.path + "/policies/rollout.lua", atomically: true, encoding: .utf8)
        try dir.write("policies/rollout.lua", "-- current\n")
        #expect {
            _ = try ConfigSnapshot.rollback(to: (saved.path as NSString).lastPathComponent, sources: sources, in: dir.file("backups"))
        } throws: { error in "\(error)".contains("SHA-256") }
        #expect(read(dir, "policies/rollout.lua") == "-- current\n")
        #expect(ConfigSnapshot.emergency.entries(in: dir.file("backups")).isEmpty)
    }

    @Test func missingSnapshotsAreReportedByName() throws {
        let (dir, sources) = try setUp()
        defer { dir.remove() }
        #expect(throws: ConfigSnapshotError.noSnapshot(directory: dir.file("backups"))) {
            _ = try ConfigSnapshot.rollback(to: nil, sources: sources, in: dir.file("backups"))
        }
        #expect(throws: ConfigSnapshotError.notFound(name: "20200101_000000", directory: dir.file("backups"))) {
            _ = try ConfigSnapshot.rollback(to: "20200101_000000", sources: sources, in: dir.file("backups"))
        }
    }
}
