import ArgumentParser
import Policies

extension PolicyCommand {
    /// Prints what a policy receives and must return, from the host's own declaration: the
    /// answer a policy author needs first, and the text docs/policies.md carries.
    struct Contract: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the input and output fields of the policies (as in docs/policies.md).",
            discussion: "Markdown, one section per policy; scripts/regen-docs.sh copies it into docs/policies.md.")

        @Argument(help: ArgumentHelp("\(PolicyKind.names); all of them when left out.")) var name: String?

        func run() throws {
            var kinds = PolicyKind.allCases
            if let name {
                guard let kind = PolicyKind(rawValue: name) else {
                    let names = PolicyKind.allCases.map(\.rawValue).joined(separator: ", ")
                    throw PolicyCommand.fail("unknown policy \(name): expected one of \(names)", code: 2)
                }
                kinds = [kind]
            }
            PolicyCommand.write(kinds.map(\.contractMarkdown).joined(separator: "\n"))
        }
    }
}
