import Foundation
import Storage

/// The tests a version must pass: read from `policies/tests/`, run from a scratch copy.
extension PolicyHost {
    /// `policies/tests/<name>_test.lua`.
    func testFilePath(_ kind: PolicyKind) -> String {
        ((configuration.policiesDirectory as NSString).appendingPathComponent("tests") as NSString)
            .appendingPathComponent(kind.testFileName)
    }

    /// The policy's test file as it is now; `.none` when there is none.
    func currentTests(_ kind: PolicyKind) throws -> StoredPolicyTests {
        let path = testFilePath(kind)
        guard FileManager.default.fileExists(atPath: path) else { return .none }
        return .file(try PolicyFile.read(path))
    }

    /// Runs `text` as the tests of `candidate`. The runner reads test files from disk, so the
    /// text is written to a scratch folder of its own (with `tests/fixtures` linked to the real
    /// fixtures): what is stored with a version is exactly the text that ran, even if the file
    /// changes meanwhile, and a rollback tries its stored tests before anything is written to
    /// `policies/`. Paths in the report name `reportingAs`, the real test file.
    static func runTests(_ text: String, of candidate: PolicySource, runner: PolicyTestRunner,
                         reportingAs testFile: String) throws -> PolicyTestReport {
        let fm = FileManager.default
        let scratch = fm.temporaryDirectory.appendingPathComponent("oracle-policy-tests-\(UUID().uuidString)").path
        let scratchTests = (scratch as NSString).appendingPathComponent("tests")
        try fm.createDirectory(atPath: scratchTests, withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: scratch) }
        let fixtures = ((testFile as NSString).deletingLastPathComponent as NSString).appendingPathComponent("fixtures")
        if fm.fileExists(atPath: fixtures) {
            let absolute = fixtures.hasPrefix("/") ? fixtures : (fm.currentDirectoryPath as NSString).appendingPathComponent(fixtures)
            try fm.createSymbolicLink(atPath: (scratchTests as NSString).appendingPathComponent("fixtures"),
                                      withDestinationPath: absolute)
        }
        let scratchFile = (scratchTests as NSString).appendingPathComponent(candidate.kind.testFileName)
        try Data(text.utf8).write(to: URL(fileURLWithPath: scratchFile))
        var scratchRunner = runner
        scratchRunner.policiesDirectory = scratch
        // A reload (and a shutdown waiting behind it) is held by its tests for at most this long:
        // 10 s with the shipped limits, longer where a test may take longer (a loaded test machine).
        scratchRunner.timeLimit = max(.seconds(10), (runner.limits.timeout ?? .zero) * 5)
        var report = scratchRunner.run(files: [scratchFile], candidate: candidate, stopAtFirstFailure: true)
        func real(_ text: String?) -> String? { text?.replacingOccurrences(of: scratchFile, with: testFile) }
        report.results = report.results.map { result in
            var result = result
            result.file = testFile
            result.location = real(result.location)
            result.message = real(result.message)
            return result
        }
        return report
    }
}
