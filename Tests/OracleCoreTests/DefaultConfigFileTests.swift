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
