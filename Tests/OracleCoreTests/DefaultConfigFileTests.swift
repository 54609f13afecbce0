import Foundation
import OracleCore
import Testing

/// `config/oracle-chat.env` is the documented default file: it must list every setting with
/// its built-in default, so what operators read is what runs.
@Suite struct DefaultConfigFileTests {
    @Test func shippedFileMatchesCatalog() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let shipped = try String(contentsOf: root.appendingPathComponent(ConfigLoader.defaultFile), encoding: .utf8)
        #expect(shipped == DefaultConfigFile.render(), "regenerate with: oracle-chat config defaults > config/oracle-chat.env")
    }

    @Test func renderedFileListsEverySettingOnce() {
        let text = DefaultConfigFile.render()
        for spec in SettingsCatalog.all {
            let lines = text.split(separator: "\n").filter { $0.hasPrefix("\(spec.name)=") }
            #expect(lines.map(String.init) == ["\(spec.name)=\(spec.defaultValue)"], "\(spec.name)")
        }
    }
}

@Suite struct ReadmeTests {
    @Test func readmeDocumentsEverySetting() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains(DefaultConfigFile.renderMarkdown()), "regenerate with: oracle-chat config defaults --markdown")
    }
}

/// A stranger follows the docs: every file they name must be in the repository, except what the
/// program itself writes (named below, with why).
@Suite struct DocumentedFilesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Names of files the server or the CLI creates, and file-name patterns: not in the repository.
    static func isWrittenByTheProgram(_ name: String) -> Bool {
        name.contains("YYYY") || name.hasPrefix("DIR/")           // backup and snapshot name patterns
            || [".env", ".db", ".json", "data/oracle_sessions.db"].contains(name)  // extensions; the default database
            || ["health.json", "health_ai.json", "health_database.json", "manifest.json"].contains(name)  // diagnostics archive members (its .txt ones are not checked)
            || name.hasPrefix("test_")                              // test names (`--run test_x/case`), not files
            || name == "config/contacts.yaml"                       // the operator's copy of config/contacts.example.yaml
            || name == "config/models.yaml"                         // the operator's copy of config/models.example.yaml
    }

    @Test func everyFileTheDocsNameExists() throws {
        let pattern = try NSRegularExpression(pattern: "`([A-Za-z0-9_./-]+)`")
        var missing: [String] = []
        for doc in ["README.md", "docs/operations.md", "docs/policies.md"] {
            let text = try String(contentsOf: Self.root.appendingPathComponent(doc), encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                guard let range = Range(match.range(at: 1), in: text) else { continue }
                let name = String(text[range])
                let looksLikeAFile = name.contains("/")
                    || name.range(of: #"\.(swift|lua|md|sh|py|yaml|yml|env|json|c|h|db)$"#, options: .regularExpression) != nil
                guard looksLikeAFile, !name.hasPrefix("/"), !Self.isWrittenByTheProgram(name) else { continue }
                if !FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(name).path) {
                    missing.append("\(doc): \(name)")
                }
            }
        }
        #expect(missing.isEmpty, "\(missing)")
    }
}
