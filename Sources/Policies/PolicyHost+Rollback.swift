import Foundation
import Storage

public enum PolicyRollbackError: Error, Equatable, CustomStringConvertible {
    case noStore
    case versionNotFound(String)
    case noPreviousVersion
    case rejected(PolicyFailure)
    /// The version passed its checks but could not be written back to `policies/`; nothing changed.
    case cannotWrite(String)

    public var description: String {
        switch self {
        case .noStore: "policy versions are not stored (no database)"
        case .versionNotFound(let hash): "no stored version \(hash)"
        case .noPreviousVersion: "no earlier version to roll back to"
        case .rejected(let failure): "the stored version no longer passes its checks: \(failure)"
        case .cannotWrite(let reason): "cannot write the version back to its files, so it was not activated: \(reason)"
        }
    }
}

/// What a rollback did.
public struct PolicyRollback: Sendable, Equatable {
    /// What happened to `policies/tests/<name>_test.lua`.
    public enum Tests: String, Sendable {
        /// The tests stored with the version passed against it and were written back.
        case restored
        /// The version had no test file when it went live: the current one was removed.
        case removed
        /// The version was stored before versions kept their tests: none were run and the test
        /// file was left as it is (the behaviour before tests were stored).
        case notRecorded = "not_recorded"
    }

    /// The version now serving.
    public var hash: String
    public var tests: Tests
}

extension PolicyHost {
    /// Activates a stored version — the one before the active version, or `hash` (a prefix is
    /// enough) — after its stored tests pass against it, and writes both back, the test file
    /// first, then the policy, each atomically: `oracle-chat policy test`, the file watcher and
    /// a restart then agree with what serves.
    public func rollback(_ kind: PolicyKind, to hash: String? = nil) async throws(PolicyRollbackError) -> PolicyRollback {
        guard let store else { throw .noStore }
        let versions = (try? await store.policyActivations(policy: kind.rawValue, limit: 1000)) ?? []
        let current = active(kind)?.source.hash
        let target: StoredPolicyVersion
        if let hash {
            guard let match = versions.first(where: { $0.hash.hasPrefix(hash.lowercased()) }) else { throw .versionNotFound(hash) }
            target = match
        } else {
            guard let previous = versions.first(where: { $0.hash != current }) else { throw .noPreviousVersion }
            target = previous
        }
        let path = (configuration.policiesDirectory as NSString).appendingPathComponent(kind.fileName)
        let candidate = PolicySource(kind: kind, text: target.source, chunkName: path)
        let result = await activation.withLock(kind) { () -> Result<PolicyRollback, PolicyRollbackError> in
            let passed: StoredPolicyTests
            switch await self.verify(candidate, tests: .stored(target.tests)) {
            case .failure(let failure):
                // The serving version and the files are untouched: the policy is not "failing".
                _ = self.reject(kind, failure, markFailing: false)
                return .failure(.rejected(failure))
            case .success(let tests):
                passed = tests
            }
            do {
                try self.writeBack(kind, source: target.source, tests: target.tests)
            } catch {
                self.logger.error("rollback refused: cannot write the version back to its files", metadata: [
                    "policy.name": "\(kind.rawValue)", "policy.version": "\(target.hash)", "error": "\(error)",
                ])
                return .failure(.cannotWrite("\(error)"))
            }
            _ = await self.install(candidate, origin: "rollback", tests: passed)
            let tests: PolicyRollback.Tests = switch target.tests {
            case .file: .restored
            case .none: .removed
            case .notRecorded: .notRecorded
            }
            return .success(PolicyRollback(hash: target.hash, tests: tests))
        }
        return try result.get()
    }

    /// Writes a rolled-back version to `policies/`: its tests first (or removes the test file
    /// when it had none), then the policy, each atomically. If the policy cannot be written, the
    /// test file is put back as it was, so the files on disk stay a pair that passed together.
    func writeBack(_ kind: PolicyKind, source: String, tests: StoredPolicyTests) throws {
        let fm = FileManager.default
        let testPath = testFilePath(kind)
        let previousTests = try? Data(contentsOf: URL(fileURLWithPath: testPath))
        switch tests {
        case .file(let text):
            try fm.createDirectory(atPath: (testPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: testPath), options: .atomic)
        case .none:
            if fm.fileExists(atPath: testPath) { try fm.removeItem(atPath: testPath) }
        case .notRecorded:
            break
        }
        let path = (configuration.policiesDirectory as NSString).appendingPathComponent(kind.fileName)
        do {
            try Data(source.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            if tests != .notRecorded {
                if let previousTests {
                    try? previousTests.write(to: URL(fileURLWithPath: testPath), options: .atomic)
                } else {
                    try? fm.removeItem(atPath: testPath)
                }
            }
            throw error
        }
    }

    /// Stored activations of `kind`, newest first.
    public func versions(_ kind: PolicyKind, limit: Int = 100) async throws -> [PolicyVersionInfo] {
        guard let store else { return [] }
        let current = active(kind)?.source.hash
        return try await store.policyActivations(policy: kind.rawValue, limit: limit).map {
            let tests = switch $0.tests {
            case .file: "recorded"
            case .none: "none"
            case .notRecorded: "not_recorded"
            }
            return PolicyVersionInfo(hash: $0.hash, activatedAt: $0.activatedAt, origin: $0.origin, isActive: $0.hash == current,
                                     lines: $0.source.split(separator: "\n", omittingEmptySubsequences: false).count, tests: tests)
        }
    }
}

/// A stored version as the admin API lists it.
public struct PolicyVersionInfo: Sendable, Equatable, Codable {
    public var hash: String
    public var activatedAt: Date
    public var origin: String
    public var isActive: Bool
    public var lines: Int
    /// The test file stored with it: `recorded`, `none` (it had none) or `not_recorded` (stored
    /// before versions kept their tests).
    public var tests: String
}
