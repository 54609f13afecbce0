import ArgumentParser
import Operations
import OracleCore

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Validate and show configuration.",
        subcommands: [Check.self, Defaults.self, ConfigBackupCommand.self, ConfigRollbackCommand.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate every setting; print each problem with the variable name and rule.",
            discussion: "Exit status: 0 valid, 1 problems found, 2 config file unreadable.")

        @OptionGroup var options: ConfigOptions
        @Flag(name: .long, help: "Also print every effective value and where it came from (secrets redacted).")
        var print = false

        func run() async throws {
            let loaded = try await options.load()
            for warning in loaded.warnings { Console.error("warning: \(warning)") }
            if self.print {
                for spec in SettingsCatalog.all {
                    let value = loaded.values[spec.name] ?? ResolvedValue(raw: spec.defaultValue, origin: .default)
                    Swift.print("\(spec.name)=\(spec.display(value.raw))  # \(value.origin)")
                }
            }
            var problems = loaded.problems
            if problems.isEmpty, let config = try? loaded.validated() {
                // The contacts file is part of the configuration: a broken one stops `serve`.
                do {
                    let contacts = try config.loadContacts()
                    for warning in contacts.warnings { Console.error("warning: \(warning)") }
                } catch {
                    problems.append("CONTACTS_FILE: \(error)")
                }
                // So is the models file.
                do {
                    if let models = try config.loadModelCatalogue() {
                        let (m, p) = (models.catalogue.models.count, models.catalogue.providers.count)
                        Console.error("models: \(m) model\(m == 1 ? "" : "s") on \(p) provider\(p == 1 ? "" : "s"), default \(models.catalogue.defaultModel.name)")
                    }
                } catch {
                    problems.append("MODELS_FILE: \(error)")
                }
            }
            guard problems.isEmpty else {
                for problem in problems { Console.error("error: \(problem)") }
                Console.error("\(problems.count) problem\(problems.count == 1 ? "" : "s") found")
                throw ExitCode(1)
            }
            Swift.print("configuration ok: \(SettingsCatalog.all.count) settings valid")
        }
    }

    struct Defaults: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the documented default config file (config/oracle-chat.env).")

        @Flag(help: "Print a Markdown table instead (as in the README).") var markdown = false

        func run() {
            Swift.print(markdown ? DefaultConfigFile.renderMarkdown() : DefaultConfigFile.render(), terminator: "")
        }
    }
}
