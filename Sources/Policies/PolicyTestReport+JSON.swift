import Foundation

extension PolicyTestReport {
    /// The report as one JSON object (pretty, keys sorted):
    /// `{"tests": [{file, name, status, message, location, duration_ms}], "summary": {passed,
    /// failed, skipped}, "coverage": [{policy, covered_lines, total_lines, percent, uncovered_lines}] | null}`.
    public func json() -> String {
        let document = Document(
            tests: results.map {
                Test(file: $0.file, name: $0.name, status: $0.status.rawValue, message: $0.message,
                     location: $0.location, duration_ms: ($0.durationMs * 1000).rounded() / 1000)
            },
            summary: Summary(passed: passed, failed: failed, skipped: skipped),
            coverage: coverage?.map {
                Coverage(policy: $0.policy, covered_lines: $0.coveredLines, total_lines: $0.totalLines,
                         percent: ($0.percent * 100).rounded() / 100, uncovered_lines: $0.uncoveredLines)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Every field is a plain string, number or list of them: encoding cannot fail.
        return String(decoding: try! encoder.encode(document), as: UTF8.self) + "\n"
    }

    private struct Document: Encodable {
        var tests: [Test]
        var summary: Summary
        var coverage: [Coverage]?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(tests, forKey: .tests)
            try container.encode(summary, forKey: .summary)
            try container.encode(coverage, forKey: .coverage)  // null when not measured
        }

        enum CodingKeys: String, CodingKey { case tests, summary, coverage }
    }

    private struct Test: Encodable {
        var file, name, status: String
        var message, location: String?
        var duration_ms: Double

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(file, forKey: .file)
            try container.encode(name, forKey: .name)
            try container.encode(status, forKey: .status)
            try container.encode(message, forKey: .message)
            try container.encode(location, forKey: .location)
            try container.encode(duration_ms, forKey: .duration_ms)
        }

        enum CodingKeys: String, CodingKey { case file, name, status, message, location, duration_ms }
    }

    private struct Summary: Encodable {
        var passed, failed, skipped: Int
    }

    private struct Coverage: Encodable {
        var policy: String
        var covered_lines, total_lines: Int
        var percent: Double
        var uncovered_lines: [Int]
    }
}
