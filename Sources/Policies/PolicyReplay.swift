import Foundation
import LuaRuntime
import Storage

/// Replays recorded decisions against a candidate version of a policy: "what would have
/// changed had this file been live?" Differences are information; only a candidate that cannot
/// load or errors on an input is a failure.
///
/// ```swift
/// let replay = PolicyReplay(candidate: PolicySource(kind: .severity, text: text, chunkName: "new/severity.lua"))
/// let report = try replay.run(try await store.decisions(policy: "severity", since: nil, limit: 1000))
/// print(report.text())   // replayed 120 ..., severity P2 → P1: 3, ...
/// ```
public struct PolicyReplay: Sendable {
    public var candidate: PolicySource
    public var limits: LuaLimits
    /// How many differing cases (and errors) the report keeps in full.
    public var shown: Int

    public init(candidate: PolicySource, limits: LuaLimits = LuaLimits(), shown: Int = 10) {
        self.candidate = candidate
        self.limits = limits
        self.shown = shown
    }

    /// The field whose transitions are counted: rollout `enabled`, severity `severity`,
    /// cleanup `emergency`, escalation `level`, admission `allow`, routing `targets`.
    public static func keyField(of kind: PolicyKind) -> String {
        switch kind {
        case .rollout: "enabled"
        case .severity: "severity"
        case .cleanup: "emergency"
        case .escalation: "level"
        case .admission: "allow"
        case .routing: "targets"
        }
    }

    /// Evaluates the candidate on every decision of its policy (oldest first); throws when
    /// the candidate cannot be loaded.
    public func run(_ decisions: [StoredDecision]) throws(PolicyFailure) -> Report {
        let kind = candidate.kind
        let program = try Candidate(source: candidate, limits: limits)
        let key = Self.keyField(of: kind)
        var report = Report(policy: kind.rawValue, candidateFile: candidate.chunkName, candidateHash: candidate.hash, keyField: key)
        var transitions: [String: Report.Transition] = [:]
        for decision in decisions.sorted(by: { $0.id < $1.id }) where decision.policy == kind.rawValue {
            if decision.fallback {
                report.skippedFallbacks += 1
                continue
            }
            // A field too large to record was replaced by a marker: nothing to replay.
            guard let input = try? LuaHelpers.jsonDecode(decision.input),
                  let recorded = try? LuaHelpers.jsonDecode(decision.output),
                  !DecisionLog.isTruncationMarker(input), !DecisionLog.isTruncationMarker(recorded) else {
                report.unreadable += 1
                continue
            }
            report.replayed += 1
            let output: LuaValue
            do {
                output = try program.evaluate(Self.upgraded(input, kind: kind)).output
            } catch {
                report.errors += 1
                if report.errorSamples.count < shown {
                    report.errorSamples.append(Report.ErrorSample(id: decision.id, at: decision.createdAt,
                                                                  input: Self.abridged(input), message: error.description))
                }
                continue
            }
            if Self.same(recorded, output) {
                report.unchanged += 1
                continue
            }
            report.changed += 1
            let from = Self.label(recorded[key]), to = Self.label(output[key])
            if from == to {
                report.otherFieldsChanged += 1
            } else {
                transitions["\(from)\u{0}\(to)", default: Report.Transition(from: from, to: to, count: 0)].count += 1
            }
            if report.differences.count < shown {
                report.differences.append(Report.Difference(id: decision.id, at: decision.createdAt,
                                                            input: Self.abridged(input), recorded: recorded, candidate: output))
            }
        }
        report.transitions = transitions.values.sorted { ($1.count, $0.from, $0.to) < ($0.count, $1.from, $1.to) }
        return report
    }

    /// A recorded input in today's shape. Inputs recorded before `memory` became a table carry
    /// `memory_usage_percent` (severity's and cleanup's input, escalation's `metrics`): the same
    /// reading as `memory.used_percent`, so it is moved there; the other memory fields were not
    /// recorded then and stay absent.
    static func upgraded(_ input: LuaValue, kind: PolicyKind) -> LuaValue {
        func moveMemory(_ value: LuaValue) -> LuaValue {
            guard var table = value.tableValue, table["memory"] == nil,
                  let percent = table.removeValue(forKey: "memory_usage_percent") else { return value }
            if percent != .nil { table["memory"] = .table(["used_percent": percent]) }
            return .table(table)
        }
        switch kind {
        case .severity, .cleanup: return moveMemory(input)
        case .escalation:
            guard var table = input.tableValue, let metrics = table["metrics"] else { return input }
            table["metrics"] = moveMemory(metrics)
            return .table(table)
        case .rollout, .admission, .routing: return input
        }
    }

    /// Equal as decisions: numbers by value (JSON cannot tell 300 from 300.0), an absent field
    /// like nil, an empty list like an empty table.
    static func same(_ a: LuaValue?, _ b: LuaValue?) -> Bool {
        let a = a ?? .nil, b = b ?? .nil
        if let x = a.doubleValue, let y = b.doubleValue { return x == y }
        if let x = a.arrayValue, let y = b.arrayValue {
            return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        }
        if let x = a.tableValue, let y = b.tableValue {
            return Set(x.keys).union(y.keys).allSatisfy { same(x[$0], y[$0]) }
        }
        return a == b
    }

    /// How a key field's value reads in a transition: `none` for nil.
    static func label(_ value: LuaValue?) -> String {
        switch value ?? .nil {
        case .nil: "none"
        case .bool(let flag): flag ? "true" : "false"
        case .string(let text): text
        case .integer(let number): "\(number)"
        case .number(let number): Int64(exactly: number).map { "\($0)" } ?? "\(number)"
        case let other: (try? LuaHelpers.jsonEncode(other)) ?? "?"
        }
    }

    /// Compact JSON, cut to 200 characters.
    static func abridged(_ value: LuaValue) -> String {
        let text = (try? LuaHelpers.jsonEncode(value)) ?? "?"
        return text.count <= 200 ? text : String(text.prefix(199)) + "…"
    }
}
