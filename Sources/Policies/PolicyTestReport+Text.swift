import Foundation

extension PolicyTestReport {
    /// The human report: one line per test (`PASS`, `FAIL`, `SKIP`), each failure followed by
    /// its position and text (assertion, expected vs actual, field-by-field diff), coverage
    /// per policy when measured, and the summary line `N passed, N failed` last.
    ///
    /// ```swift
    /// print(report.text(verbose: false, color: isatty(1) == 1, threshold: 100))
    /// ```
    public func text(verbose: Bool = false, color: Bool = false, threshold: Double? = nil) -> String {
        let paint = Paint(enabled: color)
        var lines: [String] = []
        var shown = Set<String>()
        for file in files where shown.insert(file.testFile).inserted {
            if verbose {
                lines.append(paint.dim("loaded \(file.policyFile ?? "(policy not found)"), \(file.library), \(file.testFile)"))
            }
            for result in results where result.file == file.testFile {
                lines += Self.text(of: result, verbose: verbose, paint: paint)
            }
        }
        for result in results where !shown.contains(result.file) {
            lines += Self.text(of: result, verbose: verbose, paint: paint)
        }
        for policy in coverage ?? [] {
            var line = "coverage \(policy.policy): \(Self.percent(policy.percent)) (\(policy.coveredLines)/\(policy.totalLines) lines)"
            if !policy.uncoveredLines.isEmpty { line += ", uncovered lines: \(Self.ranges(policy.uncoveredLines))" }
            lines.append(policy.uncoveredLines.isEmpty ? line : paint.yellow(line))
        }
        for policy in belowThreshold(threshold) {
            lines.append(paint.red("coverage of \(policy.policy) is \(Self.percent(policy.percent)), below the threshold \(Self.percent(threshold ?? 0))"))
        }
        lines.append(summaryLine)
        return lines.joined(separator: "\n") + "\n"
    }

    private static func text(of result: PolicyTestResult, verbose: Bool, paint: Paint) -> [String] {
        let title = "\(result.file): \(result.name)"
        switch result.status {
        case .passed:
            return [paint.green("PASS") + " \(title)" + (verbose ? " (\(milliseconds(result.durationMs)))" : "")]
        case .skipped:
            return [paint.yellow("SKIP") + " \(title) (\(result.message ?? "todo"))"]
        case .failed:
            var lines = [paint.red("FAIL") + " \(title) (\(milliseconds(result.durationMs)))"]
            if let location = result.location { lines.append("    at \(location)") }
            for line in (result.message ?? "failed").split(separator: "\n", omittingEmptySubsequences: false) {
                lines.append("    \(line)")
            }
            return lines
        }
    }

    static func milliseconds(_ ms: Double) -> String { String(format: "%.1f ms", ms) }

    static func percent(_ value: Double) -> String { String(format: "%.1f%%", value) }

    /// `[3, 4, 5, 9]` → `3-5, 9`.
    static func ranges(_ lines: [Int]) -> String {
        var parts: [String] = []
        var index = 0
        while index < lines.count {
            var end = index
            while end + 1 < lines.count, lines[end + 1] == lines[end] + 1 { end += 1 }
            parts.append(end == index ? "\(lines[index])" : "\(lines[index])-\(lines[end])")
            index = end + 1
        }
        return parts.joined(separator: ", ")
    }
}

/// ANSI colors, only when the output is a terminal.
private struct Paint {
    let enabled: Bool
    func green(_ s: String) -> String { wrap(s, "32") }
    func red(_ s: String) -> String { wrap(s, "31") }
    func yellow(_ s: String) -> String { wrap(s, "33") }
    func dim(_ s: String) -> String { wrap(s, "2") }
    private func wrap(_ s: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
}
