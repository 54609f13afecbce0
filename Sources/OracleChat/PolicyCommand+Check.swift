import ArgumentParser
import Foundation
import Policies

extension PolicyCommand {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compile policy files in the sandbox and check entry function, contract and globals.",
            discussion: """
                Each file must be named for its policy (rollout.lua → decide, severity.lua → classify, \
                cleanup.lua → plan, escalation.lua → escalate, admission.lua → admit). Sample inputs are evaluated and the \
                results validated against the contract. A static scan (comments and strings skipped) \
                reports forbidden globals (io, os, require, load, debug, print, string.dump, ...) as \
                errors and reads of globals the sandbox does not offer as warnings.
                Problems are printed as `file:line: error|warning: message`.
                Exit status: 0 no errors, 1 errors (or warnings with --strict), 2 a file is missing or unreadable.
                """)

        @OptionGroup var config: ConfigOptions
        @Argument(help: "Policy files (default: the four policies in POLICIES_DIR).") var files: [String] = []
        @Flag(help: "Warnings fail the check too.") var strict = false

        func run() async throws {
            let folders = try await Folders.load(config)
            let paths = files.isEmpty
                ? PolicyKind.allCases.map { (folders.policies as NSString).appendingPathComponent($0.fileName) }
                : files
            var errors = 0, warnings = 0
            for path in paths {
                let problems: [PolicyProblem]
                do {
                    problems = try PolicyLint.check(file: path)
                } catch {
                    throw PolicyCommand.fail("cannot read \(path): \(error.localizedDescription)", code: 2)
                }
                if problems.isEmpty { PolicyCommand.write("\(path): ok\n") }
                for problem in problems { PolicyCommand.write("\(problem)\n") }
                errors += problems.count { $0.severity == .error }
                warnings += problems.count { $0.severity == .warning }
            }
            PolicyCommand.write("checked \(paths.count) files: \(errors) errors, \(warnings) warnings\n")
            if errors > 0 || (strict && warnings > 0) { throw ExitCode(1) }
        }
    }
}
