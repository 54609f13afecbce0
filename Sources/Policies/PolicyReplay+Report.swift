import Foundation
import LuaRuntime

extension PolicyReplay {
    /// What a replay found. `differences` and `errorSamples` hold the first ``PolicyReplay/shown``.
    public struct Report: Sendable, Equatable, Encodable {
        public var policy: String
        public var candidateFile: String
        public var candidateHash: String
        public var keyField: String
        /// Decisions the candidate was evaluated on (fallbacks and unreadable rows excluded).
        public var replayed = 0
        public var unchanged = 0
        public var changed = 0
        /// Recorded fallbacks: their output is a safe default, not a decision, so not compared.
        public var skippedFallbacks = 0
        /// Rows whose input or output is not JSON (e.g. written by a future version).
        public var unreadable = 0
        public var errors = 0
        public var transitions: [Transition] = []
        /// Changed decisions whose key field stayed the same.
        public var otherFieldsChanged = 0
        public var differences: [Difference] = []
        public var errorSamples: [ErrorSample] = []

        public struct Transition: Sendable, Equatable, Encodable {
            public var from: String
            public var to: String
            public var count: Int

            public init(from: String, to: String, count: Int) {
                self.from = from
                self.to = to
                self.count = count
            }
        }

        public struct Difference: Sendable, Equatable, Encodable {
            public var id: Int64
            public var at: Date
            /// Compact JSON, abridged.
            public var input: String
            public var recorded: LuaValue
            public var candidate: LuaValue
        }

        public struct ErrorSample: Sendable, Equatable, Encodable {
            public var id: Int64
            public var at: Date
            public var input: String
            public var message: String
        }

        enum CodingKeys: String, CodingKey {
            case policy, replayed, unchanged, changed, unreadable, errors, transitions, differences
            case candidateFile = "candidate_file", candidateHash = "candidate_hash", keyField = "key_field"
            case skippedFallbacks = "skipped_fallbacks", otherFieldsChanged = "other_fields_changed"
            case errorSamples = "error_samples"
        }

        /// Pretty JSON, keys sorted, dates ISO 8601.
        public func json() -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            return ((try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
        }

        /// The operator's summary: counts, transitions of the key field, then the first cases.
        public func text() -> String {
            var lines = ["replayed \(replayed) recorded \(policy) decisions against \(candidateFile) (version \(candidateHash))"]
            let share = replayed == 0 ? 0 : Double(changed) * 100 / Double(replayed)
            lines.append("changed: \(changed) of \(replayed) (\(String(format: "%.1f", share))%), unchanged: \(unchanged)")
            for t in transitions { lines.append("  \(keyField) \(t.from) → \(t.to): \(t.count)") }
            if otherFieldsChanged > 0 { lines.append("  other fields changed: \(otherFieldsChanged)") }
            if skippedFallbacks > 0 {
                lines.append("skipped \(skippedFallbacks) recorded fallbacks (their output is a safe default, not a decision)")
            }
            if unreadable > 0 { lines.append("skipped \(unreadable) unreadable rows (input or output is not JSON, or was too large to record)") }
            lines.append("candidate errors: \(errors)")
            for sample in errorSamples {
                lines.append("  #\(sample.id) \(Self.time(sample.at)): \(sample.message)")
                lines.append("    input: \(sample.input)")
            }
            if !differences.isEmpty {
                lines.append("")
                lines.append("first \(differences.count) of \(changed) changed decisions:")
                for d in differences {
                    lines.append("#\(d.id) \(Self.time(d.at))")
                    lines.append("  input:     \(d.input)")
                    lines.append("  recorded:  \((try? LuaHelpers.jsonEncode(d.recorded)) ?? "?")")
                    lines.append("  candidate: \((try? LuaHelpers.jsonEncode(d.candidate)) ?? "?")")
                }
            }
            return lines.joined(separator: "\n") + "\n"
        }

        private static func time(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
    }
}
