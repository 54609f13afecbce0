import Logging
import Synchronization

/// Logs a policy's failing evaluations without flooding: the first failure after a success is
/// a warning, and so is every failure whose count in the current streak is a power of two (1,
/// 2, 4, 8, …: log₂ n lines for n failures, each saying how many there were). The first success
/// after a streak says how long it was. Deterministic, so it needs no clock; every failure is
/// still counted in `policy_evaluation_failures_total` and recorded in the decision log.
final class FailureStreaks: Sendable {
    private let streaks = Mutex<[PolicyKind: Int]>([:])

    func failed(_ kind: PolicyKind, reason: String, failure: String, version: String?, logger: Logger) {
        let count = streaks.withLock { streaks -> Int in
            let count = streaks[kind, default: 0] + 1
            streaks[kind] = count
            return count
        }
        guard count & (count - 1) == 0 else { return }
        logger.warning("policy evaluation failed; safe default used", metadata: [
            "policy.name": "\(kind.rawValue)", "policy.version": "\(version ?? "-")", "policy.failure_reason": "\(reason)",
            "policy.error": "\(failure)", "policy.consecutive_failures": "\(count)",
        ])
    }

    func succeeded(_ kind: PolicyKind, logger: Logger) {
        let ended = streaks.withLock { streaks -> Int in
            guard let count = streaks[kind], count > 0 else { return 0 }
            streaks[kind] = 0
            return count
        }
        guard ended > 0 else { return }
        logger.info("policy evaluations succeed again", metadata: [
            "policy.name": "\(kind.rawValue)", "policy.consecutive_failures": "\(ended)",
        ])
    }
}
