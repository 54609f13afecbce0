import Foundation
import LuaRuntime

/// A policy's answer, or the safe default when the policy could not answer.
public struct PolicyEvaluation<Value: Sendable>: Sendable {
    public var value: Value
    /// The raw result table (or the safe default's), as JSON-able Lua values.
    public var output: LuaValue
    /// Content hash of the version that answered; nil for a safe default without active version.
    public var version: String?
    public var duration: Duration
    public var instructions: Int
    /// True when `value` is the safe default because the policy failed.
    public var isFallback: Bool
    public var error: String?
}

/// Results that can be read from a policy's output table.
protocol PolicyOutput: Sendable {
    init(_ value: LuaValue) throws(PolicyContractError)
}

extension RolloutDecision: PolicyOutput {}
extension SeverityDecision: PolicyOutput {}
extension CleanupPlan: PolicyOutput {}
extension EscalationDecision: PolicyOutput {}
extension AdmissionDecision: PolicyOutput {}
extension RoutingDecision: PolicyOutput {}

extension PolicyHost {
    public func decideRollout(_ input: RolloutInput, record: Bool = true) async -> PolicyEvaluation<RolloutDecision> {
        await evaluate(.rollout, input.luaValue, as: RolloutDecision.self, record: record)
    }

    public func classifySeverity(_ snapshot: MonitoringSnapshot, record: Bool = true) async -> PolicyEvaluation<SeverityDecision> {
        await evaluate(.severity, snapshot.luaValue, as: SeverityDecision.self, record: record)
    }

    public func planCleanup(_ input: CleanupInput, record: Bool = true) async -> PolicyEvaluation<CleanupPlan> {
        await evaluate(.cleanup, input.luaValue, as: CleanupPlan.self, record: record)
    }

    public func escalate(_ input: EscalationInput, record: Bool = true) async -> PolicyEvaluation<EscalationDecision> {
        await evaluate(.escalation, input.luaValue, as: EscalationDecision.self, record: record)
    }

    public func admit(_ input: AdmissionInput, record: Bool = true) async -> PolicyEvaluation<AdmissionDecision> {
        await evaluate(.admission, input.luaValue, as: AdmissionDecision.self, record: record)
    }

    public func route(_ input: RoutingInput, record: Bool = true) async -> PolicyEvaluation<RoutingDecision> {
        await evaluate(.routing, input.luaValue, as: RoutingDecision.self, record: record)
    }

    /// Any policy, as raw values, tried out on an input as given (the admin `evaluate` endpoint):
    /// the JSON a caller sends, or a decision log's recorded input, need not be one the host would
    /// build. A dry run that leaves the live state alone. Nothing is recorded in the decision log, counted in
    /// the metrics or the failure streaks, and a severity answer never becomes the last good
    /// classification the incident loop falls back on.
    public func evaluateRaw(_ kind: PolicyKind, _ input: LuaValue) async -> PolicyEvaluation<LuaValue> {
        switch kind {
        case .rollout: return Self.erase(await evaluate(kind, input, as: RolloutDecision.self, record: false, live: false))
        case .severity: return Self.erase(await evaluate(kind, input, as: SeverityDecision.self, record: false, live: false))
        case .cleanup: return Self.erase(await evaluate(kind, input, as: CleanupPlan.self, record: false, live: false))
        case .escalation: return Self.erase(await evaluate(kind, input, as: EscalationDecision.self, record: false, live: false))
        case .admission: return Self.erase(await evaluate(kind, input, as: AdmissionDecision.self, record: false, live: false))
        case .routing: return Self.erase(await evaluate(kind, input, as: RoutingDecision.self, record: false, live: false))
        }
    }

    private static func erase<V>(_ e: PolicyEvaluation<V>) -> PolicyEvaluation<LuaValue> {
        PolicyEvaluation(value: e.output, output: e.output, version: e.version, duration: e.duration,
                         instructions: e.instructions, isFallback: e.isFallback, error: e.error)
    }

    /// - Parameter live: false for a dry run (``evaluateRaw(_:_:)``): no metrics, failure streaks or last good output.
    func evaluate<V: PolicyOutput>(
        _ kind: PolicyKind, _ input: LuaValue, as: V.Type, record: Bool, live: Bool = true
    ) async -> PolicyEvaluation<V> {
        let start = ContinuousClock.now
        let active = self.active(kind)
        var failure: String
        var reason = "unavailable"
        if let active {
            do {
                let (output, instructions) = try await active.pool.withState { state in
                    (try state.call(kind.entryFunction, [input]), state.lastCallStats.instructions)
                }
                let value = try V(output)
                let evaluation = PolicyEvaluation(value: value, output: output, version: active.source.hash,
                                                  duration: .now - start, instructions: instructions, isFallback: false, error: nil)
                if live {
                    if kind == .severity { slots.withLock { $0[kind, default: Slot()].lastGoodOutput = output } }
                    metrics.evaluated(kind, fallback: false, duration: evaluation.duration)
                    failureStreaks.succeeded(kind, logger: logger)
                }
                if record { decisionLog.record(kind, version: active.source.hash, input: input, output: output,
                                                duration: evaluation.duration, fallback: false, error: nil) }
                return evaluation
            } catch let error as LuaError {
                failure = PolicyFailure(stage: .evaluation, error, hash: active.source.hash).description
                reason = Self.failureReason(error.kind)
            } catch let error as PolicyContractError {
                failure = "evaluation: \(error)"
                reason = "contract"
            } catch {
                failure = "evaluation: \(error)"
                reason = "error"
            }
        } else {
            failure = "no active version of \(kind.fileName)"
        }
        if live {
            metrics.failed(kind, reason: reason)
            failureStreaks.failed(kind, reason: reason, failure: failure, version: active?.source.hash, logger: logger)
        }
        let output = safeDefault(kind, input: input, reason: failure)
        // The safe defaults are built to satisfy the contract.
        let value = (try? V(output)) ?? (try! V(safeDefault(kind, input: [:], reason: failure)))
        let evaluation = PolicyEvaluation(value: value, output: output, version: active?.source.hash,
                                          duration: .now - start, instructions: 0, isFallback: true, error: failure)
        if live { metrics.evaluated(kind, fallback: true, duration: evaluation.duration) }
        if record { decisionLog.record(kind, version: active?.source.hash, input: input, output: output,
                                        duration: evaluation.duration, fallback: true, error: failure) }
        return evaluation
    }

    static func failureReason(_ kind: LuaError.Kind) -> String {
        switch kind {
        case .instructionBudgetExceeded: "budget"
        case .timeout: "timeout"
        case .memoryLimitExceeded: "memory"
        case .impure: "impure"
        case .conversion: "contract"
        default: "error"
        }
    }

    /// The documented safe default of each policy (docs/policies.md, "When a policy fails").
    func safeDefault(_ kind: PolicyKind, input: LuaValue, reason: String) -> LuaValue {
        switch kind {
        case .rollout:
            return ["enabled": false, "reason": .string("safe default (policy failed: \(reason))")]
        case .severity:
            if let last = slots.withLock({ $0[kind]?.lastGoodOutput }) { return last }
            return ["reasons": .array([.string("severity policy failed: \(reason)")])]
        case .cleanup:
            let batch = LuaValue.integer(CleanupInput.batchSizeField.read(from: input)?.integerValue ?? 50)
            // An emergency someone asked for still frees memory when the policy fails: a batch,
            // regardless of recency. Otherwise the normal plan.
            if CleanupInput.emergencyRequestedField.read(from: input) == .bool(true) {
                return ["idle_ttl": .integer(0), "max_evictions": batch, "emergency": true,
                        "reason": .string("safe default for a requested emergency (policy failed: \(reason))")]
            }
            return ["idle_ttl": .integer(CleanupInput.timeoutField.read(from: input)?.integerValue ?? 3600),
                    "max_evictions": batch,
                    "emergency": false, "reason": .string("safe default (policy failed: \(reason))")]
        case .escalation:
            let event = EscalationInput.eventField.read(from: input)?.stringValue ?? "tick"
            let level = max(1, EscalationInput.levelField.read(from: input)?.integerValue ?? 1)
            let template = event == "resolved" ? "resolution" : (event == "tick" ? nil : "declaration")
            let notify: [LuaValue] = template.map {
                [["role": "oncall", "template": .string($0)]]
            } ?? []
            return ["level": .integer(level), "notify": .array(notify), "actions": .array([])]
        case .admission:
            // Admit: a broken admission.lua must not take the service down with it. Quotas go
            // unenforced until it is fixed; `policy_fallbacks` and the failure streak say so.
            return ["allow": true, "reason": .string("safe default: admitted without quota checks (policy failed: \(reason))")]
        case .routing:
            // No targets: the host sends the request to the requested model's own provider,
            // as if no routing policy existed.
            return ["targets": .array([]), "reason": .string("safe default: the requested model on its own provider (policy failed: \(reason))")]
        }
    }
}
