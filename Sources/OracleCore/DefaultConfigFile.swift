/// Renders `config/oracle-chat.env`: every setting with its default and documentation,
/// grouped as in ``SettingsCatalog``. `oracle-chat config defaults` prints it.
public enum DefaultConfigFile {
    public static func render() -> String {
        var out = """
            # Oracle Chat configuration — the built-in defaults, documented.
            # Environment variables with the same names override this file; `serve` flags override both.
            # Validate with: oracle-chat config check   (regenerate: oracle-chat config defaults)

            """
        for group in SettingSpec.Group.allCases {
            out += "\n# ── \(group.rawValue) ──\n"
            for spec in SettingsCatalog.all where spec.group == group {
                out += "\n# \(spec.summary)\n"
                var notes: [String] = [spec.rule.summary]
                if spec.isSecret { notes.append("secret: never logged") }
                out += "# (\(notes.joined(separator: "; ")))\n"
                out += "\(spec.name)=\(spec.defaultValue)\n"
            }
        }
        return out
    }

    /// The same list as a Markdown table, for the README.
    public static func renderMarkdown() -> String {
        var out = "| Variable | Default | Rule | Meaning |\n|---|---|---|---|\n"
        for spec in SettingsCatalog.all {
            let rule = spec.rule.summary
            let shown = spec.defaultValue.isEmpty ? "(empty)" : "`\(spec.defaultValue)`"
            let secret = spec.isSecret ? " Secret: never logged or shown." : ""
            out += "| `\(spec.name)` | \(shown) | \(rule) | \(spec.summary.replacingOccurrences(of: "|", with: "\\|"))\(secret) |\n"
        }
        return out
    }
}
