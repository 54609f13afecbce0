import Foundation

/// One policy as `GET /api/v1/policies` shows it.
public struct PolicyStatus: Sendable, Equatable, Codable {
    public struct Version: Sendable, Equatable, Codable {
        public var hash: String
        public var activatedAt: Date
        /// `file`, `reload`, `rollback` or `stored`.
        public var origin: String
    }

    public var name: String
    public var file: String
    public var entry: String
    /// `ok`, `failing` (the file's latest content was refused; an older version serves) or
    /// `unavailable` (no version serves; evaluations use the safe default).
    public var state: String
    public var active: Version?
    public var lastFailure: PolicyFailure?
}

extension PolicyHost {
    public func status() -> [PolicyStatus] {
        let slots = self.slots.withLock { $0 }
        return PolicyKind.allCases.map { kind in
            let slot = slots[kind]
            let active = slot?.active
            return PolicyStatus(
                name: kind.rawValue,
                file: (configuration.policiesDirectory as NSString).appendingPathComponent(kind.fileName),
                entry: kind.entryFunction,
                state: active == nil ? "unavailable" : (slot?.lastFailure == nil ? "ok" : "failing"),
                active: active.map { .init(hash: $0.source.hash, activatedAt: $0.activatedAt, origin: $0.origin) },
                lastFailure: slot?.lastFailure)
        }
    }

    /// `ok` when every policy serves its file's version, `degraded` otherwise (for `/health`).
    public var overallState: String {
        status().allSatisfy { $0.state == "ok" } ? "ok" : "degraded"
    }
}
