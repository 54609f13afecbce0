extension PolicyTestReport {
    /// TAP version 13: `1..N`, `ok 1 - file: name`, `not ok 2 - ...` followed by a YAML block
    /// (`message`, `at`, `file`), `# SKIP` for todos, and the summary as a trailing comment.
    public func tap() -> String {
        var lines = ["TAP version 13", "1..\(results.count)"]
        for (offset, test) in results.enumerated() {
            let title = "\(offset + 1) - \(Self.tapSafe(test.file)): \(Self.tapSafe(test.name))"
            switch test.status {
            case .passed:
                lines.append("ok \(title)")
            case .skipped:
                lines.append("ok \(title) # SKIP \(Self.tapSafe(test.message ?? "todo"))")
            case .failed:
                lines.append("not ok \(title)")
                lines.append("  ---")
                lines.append("  message: |-")
                for line in (test.message ?? "failed").split(separator: "\n", omittingEmptySubsequences: false) {
                    lines.append("    \(line)")
                }
                if let location = test.location { lines.append("  at: \(Self.yamlQuoted(location))") }
                lines.append("  file: \(Self.yamlQuoted(test.file))")
                lines.append("  duration_ms: \(String(format: "%.3f", test.durationMs))")
                lines.append("  ...")
            }
        }
        lines.append("# \(summaryLine)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A `#` in a test line would start a TAP directive; newlines would end the line.
    private static func tapSafe(_ text: String) -> String {
        text.replacing("#", with: "\\#").replacing("\n", with: " ")
    }

    private static func yamlQuoted(_ text: String) -> String {
        "\"" + text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }
}
