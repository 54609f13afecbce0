import Foundation
import Synchronization

/// The cached result of the last cheap integrity check (`PRAGMA quick_check`), so
/// `/health/database` can report it without running a check per request.
public final class IntegrityStatus: Sendable {
    public struct Snapshot: Sendable, Codable, Equatable {
        /// `unknown` (not checked yet), `ok`, `failed` (corruption found) or `error` (check could not run).
        public var status: String
        public var check: String
        public var checkedAt: Date?
        public var durationMs: Double?
        public var problems: [String]?
    }

    private let state = Mutex(Snapshot(status: "unknown", check: "quick_check"))

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    /// True only when a check has found corruption.
    public var isFailed: Bool { snapshot.status == "failed" }

    func record(_ snapshot: Snapshot) {
        state.withLock { $0 = snapshot }
    }
}
