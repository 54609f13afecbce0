import Foundation
import Storage

public enum PolicyRollbackError: Error, Equatable, CustomStringConvertible {
    case noStore
    case versionNotFound(String)
    case noPreviousVersion
    case rejected(PolicyFailure)

    public var description: String {
        switch self {
        case .noStore: "policy versions are not stored (no database)"
        case .versionNotFound(let hash): "no stored version \(hash)"
        case .noPreviousVersion: "no earlier version to roll back to"
        case .rejected(let failure): "the stored version no longer passes its checks: \(failure)"
        }
    }
}

extension PolicyHost {
    /// Activates a stored version — the one before the active version, or `hash` (a prefix is
    /// enough) — and writes it back to the policy file, so a restart and the file watcher agree.
    public func rollback(_ kind: PolicyKind, to hash: String? = nil) async throws(PolicyRollbackError) -> String {
        guard let store else { throw .noStore }
        let versions = (try? await store.policyActivations(policy: kind.rawValue, limit: 1000)) ?? []
        let current = active(kind)?.source.hash
        let target: StoredPolicyVersionRef
        if let hash {
            guard let match = versions.first(where: { $0.hash.hasPrefix(hash.lowercased()) }) else { throw .versionNotFound(hash) }
            target = StoredPolicyVersionRef(hash: match.hash, source: match.source)
        } else {
            guard let previous = versions.first(where: { $0.hash != current }) else { throw .noPreviousVersion }
            target = StoredPolicyVersionRef(hash: previous.hash, source: previous.source)
        }
        let path = (configuration.policiesDirectory as NSString).appendingPathComponent(kind.fileName)
        let candidate = PolicySource(kind: kind, text: target.source, chunkName: path)
        let outcome = await activation.withLock(kind) { () -> ActivationOutcome in
            let outcome = await self.activate(candidate, origin: "rollback", runTests: false)
            if case .activated = outcome {
                do {
                    try Data(target.source.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
                } catch {
                    self.logger.error("rolled back policy but could not rewrite its file", metadata: [
                        "policy.name": "\(kind.rawValue)", "file.path": "\(path)", "error": "\(error)",
                    ])
                }
            }
            return outcome
        }
        if case .rejected(let failure) = outcome { throw .rejected(failure) }
        return target.hash
    }

    /// Stored activations of `kind`, newest first.
    public func versions(_ kind: PolicyKind, limit: Int = 100) async throws -> [PolicyVersionInfo] {
        guard let store else { return [] }
        let current = active(kind)?.source.hash
        return try await store.policyActivations(policy: kind.rawValue, limit: limit).map {
            PolicyVersionInfo(hash: $0.hash, activatedAt: $0.activatedAt, origin: $0.origin,
                              isActive: $0.hash == current, lines: $0.source.split(separator: "\n", omittingEmptySubsequences: false).count)
        }
    }
}

struct StoredPolicyVersionRef {
    var hash: String
    var source: String
}

/// A stored version as the admin API lists it.
public struct PolicyVersionInfo: Sendable, Equatable, Codable {
    public var hash: String
    public var activatedAt: Date
    public var origin: String
    public var isActive: Bool
    public var lines: Int
}
