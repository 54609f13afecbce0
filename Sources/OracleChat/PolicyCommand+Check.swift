import ArgumentParser
import Foundation
import Policies

extension PolicyCommand {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compile policy files in the sandbox and check entry function, contract and globals.",
            discussion: """
                Each file must be named for its policy (\(PolicyKind.allCases.map { "\($0.fileName) → \($0.entryFunction)" }.joined(separator: ", "))). Sample inputs are evaluated and the \
                results validated against the contract. A static scan (comments and strings skipped) \
                reports forbidden globals (io, os, require, load, debug, print, string.dump, ...) as \
                errors and reads of globals the sandbox does not offer as warnings.
                Problems are printed as `file:line: error|warning: message`.
                Exit status: 0 no errors, 1 errors (or warnings with --strict), 2 a file is missing or unreadable.
                """)

        @OptionGroup var config: ConfigOptions
        @Argument(help: "Policy files (default: the four policies in POLICIES_DIR).") var files: [String] = []
        @Flag(help: "Warnings fail the check too.") var strict = false

        static func isDirectory(_ path: String) -> Bool {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        }

        func run() async throws {
            let folders = try await Folders.load(config)
            // A folder stands for its policy files, as for `policy test`.
            let folder = files.isEmpty ? folders.policies : files.count == 1 && Self.isDirectory(files[0]) ? files[0] : nil
            let paths = folder.map { folder in PolicyKind.allCases.map { (folder as NSString).appendingPathComponent($0.fileName) } } ?? files
            var errors = 0, warnings = 0
            for path in paths {
                let problems: [PolicyProblem]
                do {
                    problems = try PolicyLint.check(file: path)
                } catch {
                    // PolicyFile's refusal already names the file and the problem.
                    throw PolicyCommand.fail(error is PolicyFile.Refused ? "\(error)" : "cannot read \(path): \(error)", code: 2)
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
