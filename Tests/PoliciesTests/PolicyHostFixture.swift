import Foundation
import Logging
import LuaRuntime
import OracleCore
@testable import Policies
import Storage
import TestSupport

/// A temporary copy of the shipped policies, tests and Lua library, with a database.
struct PolicyHostFixture {
    let dir: TemporaryDirectory
    let store: SQLiteStore
    var policies: String { dir.file("policies") }
    var lua: String { dir.file("lua") }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    init() async throws {
        dir = try TemporaryDirectory("oracle-policies")
        let fm = FileManager.default
        try fm.copyItem(atPath: Self.repositoryRoot.appendingPathComponent("policies").path, toPath: dir.file("policies"))
        try fm.copyItem(atPath: Self.repositoryRoot.appendingPathComponent("lua").path, toPath: dir.file("lua"))
        store = try SQLiteStore(location: DatabaseLocation(path: dir.file("oracle.db")))
        try await store.migrate()
    }

    /// The serving limits, with a wall-clock limit no busy test machine reaches: the instruction
    /// budget still stops runaway code deterministically. Tests of the time limit pass their own.
    static let testLimits = LuaLimits(timeout: .seconds(30))
    /// What `oracle-chat policy test` gives a test, with the same roomy wall-clock limit: for
    /// in-process runs of whole test folders beside the rest of the suite.
    static let runnerLimits = PolicyTestRunner.testLimits.forTests(atLeast: testLimits)

    func makeHost(limits: LuaLimits = Self.testLimits, sampleRates: [PolicyKind: Double] = [:],
                  redactor: Redactor = Redactor(secrets: []), probe: ActivationProbe? = nil,
                  logger: Logger = Logger(label: "test")) -> PolicyHost {
        PolicyHost(configuration: .init(policiesDirectory: policies, luaDirectory: lua, limits: limits,
                                        sampleRates: sampleRates, redactor: redactor),
                   store: store, logger: logger, probe: probe)
    }

    func write(_ kind: PolicyKind, _ text: String) throws {
        try text.write(toFile: (policies as NSString).appendingPathComponent(kind.fileName), atomically: true, encoding: .utf8)
    }

    func read(_ kind: PolicyKind) throws -> String {
        try String(contentsOfFile: (policies as NSString).appendingPathComponent(kind.fileName), encoding: .utf8)
    }

    func remove() {
        try? store.close()
        dir.remove()
    }

    static let rolloutInput = RolloutInput(sessionID: "session-1", tenantID: "default",
                                           settings: .init(usePersistentSessions: true, rolloutPercentage: 100))
}

extension PolicyHost {
    func activeHash(_ kind: PolicyKind) -> String? {
        status().first { $0.name == kind.rawValue }?.active?.hash
    }

    func failure(_ kind: PolicyKind) -> PolicyFailure? {
        status().first { $0.name == kind.rawValue }?.lastFailure
    }
}
