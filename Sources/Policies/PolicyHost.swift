import Foundation
import Logging
import LuaRuntime
import OracleCore
import Storage
import Synchronization

/// Runs the active version of each policy and swaps in new versions safely.
///
/// A candidate version (a changed file, a reload, a rollback) is compiled in a fresh state, its
/// entry function checked, its results checked against the contract on sample inputs and — for
/// file changes — its own tests run; only then is it swapped in atomically. On any failure the
/// last good version keeps serving and the failure is kept for `GET /api/v1/policies`, logged
/// at warning level and counted. Evaluations never fail: a policy error yields the documented
/// safe default, flagged as a fallback.
///
/// ```swift
/// let host = PolicyHost(configuration: .init(policiesDirectory: "policies", luaDirectory: "lua"), store: store, logger: logger)
/// await host.start()
/// let decision = await host.decideRollout(input)   // decision.value.enabled
/// ```
public final class PolicyHost: Sendable {
    public struct Configuration: Sendable {
        public var policiesDirectory: String
        public var luaDirectory: String
        public var limits: LuaLimits
        /// Lua states per policy version, i.e. concurrent evaluations of one policy.
        public var statesPerPolicy: Int
        /// Share of evaluations recorded in the decision log, per policy (0...1). Errors are always recorded.
        public var sampleRates: [PolicyKind: Double]
        /// Most rows of the decision log (`DECISION_LOG_MAX_ROWS`).
        public var decisionLogLimit: Int
        /// Most bytes of recorded inputs, outputs and errors in the decision log (`DECISION_LOG_MAX_BYTES`).
        public var decisionLogByteLimit: Int
        /// Removes secrets from recorded inputs and outputs.
        public var redactor: Redactor

        public init(policiesDirectory: String, luaDirectory: String, limits: LuaLimits = LuaLimits(),
                    statesPerPolicy: Int = 4, sampleRates: [PolicyKind: Double] = [:], decisionLogLimit: Int = 10_000,
                    decisionLogByteLimit: Int = 64 << 20, redactor: Redactor = Redactor(secrets: [])) {
            self.policiesDirectory = policiesDirectory
            self.luaDirectory = luaDirectory
            self.limits = limits
            self.statesPerPolicy = statesPerPolicy
            self.sampleRates = sampleRates
            self.decisionLogLimit = decisionLogLimit
            self.decisionLogByteLimit = decisionLogByteLimit
            self.redactor = redactor
        }
    }

    public let configuration: Configuration
    let store: SQLiteStore?
    let logger: Logger
    let runner: PolicyTestRunner
    let slots = Mutex<[PolicyKind: Slot]>([:])
    /// Activations of one policy (watcher, reload API, rollback, startup) run one at a time, in
    /// the order they came, each to its end (a rollback rewrites files while it holds it);
    /// different policies never wait on each other.
    let activation = KeyedAsyncLock<PolicyKind>()
    /// Tests only: observes (and may hold) activations.
    let probe: ActivationProbe?
    public let decisionLog: DecisionLog
    let metrics = PolicyMetrics()
    let failureStreaks = FailureStreaks()

    struct Slot {
        var active: ActivePolicy?
        var lastFailure: PolicyFailure?
        var lastGoodOutput: LuaValue?
    }

    public convenience init(configuration: Configuration, store: SQLiteStore?, logger: Logger) {
        self.init(configuration: configuration, store: store, logger: logger, probe: nil)
    }

    init(configuration: Configuration, store: SQLiteStore?, logger: Logger, probe: ActivationProbe?) {
        self.configuration = configuration
        self.probe = probe
        self.store = store
        self.logger = logger
        // A test may run a policy thousands of times (three simulated hours of ticks), so the
        // per-call budget the operator set is no measure for it: tests get at least the limits
        // `oracle-chat policy test` uses, and what passes there is accepted here.
        self.runner = PolicyTestRunner(policiesDirectory: configuration.policiesDirectory,
                                       luaDirectory: configuration.luaDirectory,
                                       limits: configuration.limits.forTests(atLeast: PolicyTestRunner.testMinimum),
                                       servingLimits: configuration.limits)
        self.decisionLog = DecisionLog(store: store, sampleRates: configuration.sampleRates,
                                       limit: configuration.decisionLogLimit, byteLimit: configuration.decisionLogByteLimit,
                                       redactor: configuration.redactor)
    }

    /// Activates every policy from its file; a broken or missing file falls back to the last
    /// good version stored in SQLite, and says so. The policies load side by side: one whose
    /// tests take long does not delay the others.
    public func start() async {
        await withDiscardingTaskGroup { group in
            for kind in PolicyKind.allCases {
                group.addTask { await self.start(kind) }
            }
        }
    }

    private func start(_ kind: PolicyKind) async {
        let outcome = await reload(kind, origin: "file")
        guard case .rejected(let failure) = outcome, active(kind) == nil else { return }
        if let restored = await restoreStored(kind) {
            logger.warning("policy file broken; serving last good stored version", metadata: [
                "policy.name": "\(kind.rawValue)", "policy.version": "\(restored)", "policy.error": "\(failure)",
            ])
        } else {
            logger.error("policy unavailable; evaluations use the safe default", metadata: [
                "policy.name": "\(kind.rawValue)", "policy.error": "\(failure)",
            ])
        }
    }

    /// Content hash of the version of `kind` serving now; nil when none serves.
    public func activeVersion(_ kind: PolicyKind) -> String? {
        active(kind)?.source.hash
    }

    func active(_ kind: PolicyKind) -> ActivePolicy? {
        slots.withLock { $0[kind]?.active }
    }
}

/// One activated version with its pool of ready Lua states.
final class ActivePolicy: Sendable {
    let source: PolicySource
    let pool: LuaStatePool
    let activatedAt: Date
    let origin: String

    init(source: PolicySource, pool: LuaStatePool, activatedAt: Date, origin: String) {
        self.source = source
        self.pool = pool
        self.activatedAt = activatedAt
        self.origin = origin
    }
}

/// Lets a test see activations and hold one open: a real, deterministic way to make one
/// policy's activation slow while the test changes another.
struct ActivationProbe: Sendable {
    /// Runs holding the policy's activation lock, before the candidate is checked.
    var willCheck: @Sendable (PolicySource) async -> Void = { _ in }
    /// Runs when a candidate was activated or refused.
    var didFinish: @Sendable (PolicyKind, ActivationOutcome) -> Void = { _, _ in }
}
