import Foundation

/// The outcome of one policy test (a `test_*` function, one case of a `cases{}` table, or a
/// skipped `todo_*`).
public struct PolicyTestResult: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable { case passed, failed, skipped }

    /// The test file, as given to the runner.
    public var file: String
    /// `test_name` or `test_name/case name`.
    public var name: String
    public var status: Status
    /// The failure text: assertion, expected vs actual, field-by-field diff.
    public var message: String?
    /// `file:line` of the failure when known.
    public var location: String?
    public var durationMs: Double

    public init(file: String, name: String, status: Status, message: String?, location: String?, durationMs: Double) {
        self.file = file
        self.name = name
        self.status = status
        self.message = message
        self.location = location
        self.durationMs = durationMs
    }
}

/// The files one test file was run with: the policy under test (nil when it could not be
/// found), the test library and the test file itself.
public struct PolicyTestFileInfo: Sendable, Equatable, Codable {
    public var testFile: String
    public var policyFile: String?
    public var library: String
}

/// Line coverage of one policy file over the tests that ran.
public struct PolicyCoverage: Sendable, Equatable, Codable {
    public var policy: String
    public var coveredLines: Int
    public var totalLines: Int
    /// Executable lines no test reached.
    public var uncoveredLines: [Int]

    public var percent: Double { totalLines == 0 ? 100 : Double(coveredLines) * 100 / Double(totalLines) }
}

/// Everything a `policy test` run found.
public struct PolicyTestReport: Sendable, Equatable, Codable {
    public var results: [PolicyTestResult]
    /// Present when coverage was requested.
    public var coverage: [PolicyCoverage]?
    /// What each test file ran with, in run order.
    public var files: [PolicyTestFileInfo] = []

    public init(results: [PolicyTestResult], coverage: [PolicyCoverage]? = nil, files: [PolicyTestFileInfo] = []) {
        self.results = results
        self.coverage = coverage
        self.files = files
    }

    public var passed: Int { results.count { $0.status == .passed } }
    public var failed: Int { results.count { $0.status == .failed } }
    public var skipped: Int { results.count { $0.status == .skipped } }

    /// `N passed, N failed` (`, N skipped` when any were skipped).
    public var summaryLine: String {
        "\(passed) passed, \(failed) failed" + (skipped > 0 ? ", \(skipped) skipped" : "")
    }

    /// True when no test failed and, if `threshold` is set, every policy's coverage reaches it.
    public func succeeded(threshold: Double? = nil) -> Bool {
        failed == 0 && belowThreshold(threshold).isEmpty
    }

    /// Policies whose line coverage is under `threshold` percent (none without a threshold).
    public func belowThreshold(_ threshold: Double?) -> [PolicyCoverage] {
        guard let threshold, let coverage else { return [] }
        return coverage.filter { $0.percent + 1e-9 < threshold }
    }
}
