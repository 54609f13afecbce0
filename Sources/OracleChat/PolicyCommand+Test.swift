import ArgumentParser
import Foundation
import HTTPServer
import LuaRuntime
import Policies

extension PolicyCommand {
    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the policy tests (every test_* function and cases{} row in *_test.lua).",
            discussion: """
                TARGET is a policies folder (default: POLICIES_DIR), one test file, or a policy name \
                (\(PolicyKind.names)). The test library is LUA_DIR/testing.lua.
                The last line of the text report is the summary `N passed, N failed[, N skipped]`; with \
                --format json|junit|tap the report goes to stdout and the summary line to stderr.
                Exit status: 0 all passed (and coverage >= --threshold), 1 a test failed, coverage is \
                below the threshold or no test ran, 2 usage error.
                """)

        @OptionGroup var config: ConfigOptions
        @Argument(help: "Policies folder, test file or policy name (default: POLICIES_DIR).") var target: String?
        @Option(name: .customLong("run"), help: "Only tests whose name (test_x or test_x/case name) matches this regular expression.")
        var pattern: String?
        @Option(help: "Report format: text, json, junit or tap.") var format = "text"
        @Option(help: "Write the --format report to this file; stdout then gets the text report.") var output: String?
        @Flag(help: "Show passing tests' durations and the files each test file loaded.") var verbose = false
        @Flag(help: "Measure line coverage per policy and list uncovered lines.") var coverage = false
        @Option(help: "Fail when a policy's line coverage is below PCT percent (implies --coverage).") var threshold: Double?
        @Flag(help: "Rerun whenever a file under the policies folder or LUA_DIR changes (Ctrl-C exits).") var watch = false

        func run() async throws {
            let folders = try await Folders.load(config)
            guard ["text", "json", "junit", "tap"].contains(format) else {
                throw PolicyCommand.fail("--format must be text, json, junit or tap (got \(format))", code: 2)
            }
            if let threshold, !(0...100).contains(threshold) {
                throw PolicyCommand.fail("--threshold must be a percentage 0-100 (got \(threshold))", code: 2)
            }
            var filter: Regex<AnyRegexOutput>?
            if let pattern {
                do { filter = try Regex(pattern) } catch {
                    throw PolicyCommand.fail("--run is not a valid regular expression: \(error)", code: 2)
                }
            }
            let library = (folders.lua as NSString).appendingPathComponent("testing.lua")
            guard FileManager.default.fileExists(atPath: library) else {
                throw PolicyCommand.fail("test library \(library) not found (set LUA_DIR)", code: 2)
            }
            let (folder, files) = try resolveTarget(folders)
            // The configured limits (POLICY_*), raised for tests as the server raises them: what
            // passes here is what the server accepts on a reload.
            let serving = (try? folders.loaded.validated()).map { PolicyHost.Configuration(settings: $0).limits } ?? LuaLimits()
            let runner = PolicyTestRunner(policiesDirectory: folder, luaDirectory: folders.lua,
                                          limits: serving.forTests(atLeast: PolicyTestRunner.testMinimum), servingLimits: serving)
            let once = { () -> Bool in
                let report = runner.run(files: files, filter: filter, coverage: coverage || threshold != nil)
                return emit(report)
            }
            if watch {
                try await PolicyCommand.watch(folders: [folder, folders.lua], run: { _ = once() })
            } else if !once() {
                throw ExitCode(1)
            }
        }

        /// (folder whose tests run, explicit test files or nil for "discover").
        private func resolveTarget(_ folders: Folders) throws -> (String, [String]?) {
            guard let target else { return (folders.policies, nil) }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory) {
                return isDirectory.boolValue ? (target, nil) : ((target as NSString).deletingLastPathComponent, [target])
            }
            if let kind = PolicyKind(rawValue: target) {
                let file = ((folders.policies as NSString).appendingPathComponent("tests") as NSString)
                    .appendingPathComponent(kind.testFileName)
                if FileManager.default.fileExists(atPath: file) { return (folders.policies, [file]) }
                throw PolicyCommand.fail("policy \(target) has no tests: \(file) not found", code: 2)
            }
            throw PolicyCommand.fail("\(target) is neither a folder, a test file nor a policy name", code: 2)
        }

        /// Prints the report; true when the run succeeded.
        private func emit(_ report: PolicyTestReport) -> Bool {
            let ran = report.passed + report.failed
            let ok = report.succeeded(threshold: threshold) && ran > 0
            let color = output == nil && format == "text" && isatty(STDOUT_FILENO) == 1
                && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            let text = report.text(verbose: verbose, color: color, threshold: threshold)
            let formatted: String
            switch format {
            case "json": formatted = report.json()
            case "junit": formatted = report.junit()
            case "tap": formatted = report.tap()
            default: formatted = text
            }
            if ran == 0 { Console.error("error: no test ran (no *_test.lua found, or --run matched nothing)") }
            if let output {
                do {
                    try formatted.write(toFile: output, atomically: true, encoding: .utf8)
                } catch {
                    Console.error("error: cannot write \(output): \(error)")
                    PolicyCommand.write(text)
                    return false
                }
                PolicyCommand.write(text)
            } else {
                PolicyCommand.write(formatted)
                if format != "text" { Console.error(report.summaryLine) }
            }
            return ok
        }
    }
}
