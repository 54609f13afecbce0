import Foundation
import OracleCore
import Policies
import Testing
import TestSupport

/// Every output format of a report, on the failing, skipped and passing fixtures.
@Suite struct PolicyTestReportFormatTests {
    @Test func textEndsWithTheSummaryAndShowsFailureDetails() {
        let text = Fixture.run("failing").text()
        let lines = text.split(separator: "\n")
        #expect(lines.last == "2 passed, 2 failed")
        #expect(text.contains("FAIL \(Fixture.path("failing"))/tests/rollout_test.lua: test_wrong_reason"))
        #expect(text.contains("    at \(Fixture.path("failing"))/tests/rollout_test.lua:10"))
        #expect(text.contains(#"      .reason: expected "disabled", got "off""#))
        #expect(!text.contains("\u{1B}["), "no colors unless asked for")
        #expect(Fixture.run("failing").text(color: true).contains("\u{1B}[31mFAIL"))
    }

    @Test func verboseTextShowsDurationsAndLoadedFiles() {
        let text = Fixture.run("passing").text(verbose: true)
        #expect(text.contains("loaded \(Fixture.path("passing"))/rollout.lua, \(Fixture.lua)/testing.lua"))
        #expect(text.contains(try! Regex(#"PASS .*test_switch_off \(\d+\.\d ms\)"#)))
    }

    @Test func textCoverageListsUncoveredLinesAndThresholdMiss() {
        let text = Fixture.run("skipped", coverage: true).text(threshold: 90)
        #expect(text.contains("rollout.lua: 75.0% (3/4 lines), uncovered lines: 6"))
        #expect(text.contains("below the threshold 90.0%"))
        #expect(text.hasSuffix("1 passed, 0 failed, 1 skipped\n"))
    }

    @Test func jsonHasTestsSummaryAndCoverage() throws {
        let data = Data(Fixture.run("skipped", coverage: true).json().utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let summary = try #require(object["summary"] as? [String: Int])
        #expect(summary == ["passed": 1, "failed": 0, "skipped": 1])
        let tests = try #require(object["tests"] as? [[String: Any]])
        #expect(tests.count == 2)
        #expect(Set(tests[0].keys) == ["file", "name", "status", "message", "location", "duration_ms"])
        let coverage = try #require((object["coverage"] as? [[String: Any]])?.first)
        #expect(coverage["uncovered_lines"] as? [Int] == [6])
        let plain = try JSONSerialization.jsonObject(with: Data(Fixture.run("passing").json().utf8)) as? [String: Any]
        #expect(plain?["coverage"] is NSNull)
    }

    @Test func junitIsValidXMLWithOneSuitePerFile() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var report = Fixture.run("failing")
        report.results += Fixture.run("passing").results
        report.results.append(PolicyTestResult(file: "weird & <file>.lua", name: "test_\u{1}control", status: .failed,
                                               message: "bad \u{0} bytes ]]> & 'quotes'", location: nil, durationMs: 1))
        try dir.write("report.xml", report.junit())
        let script = """
            import sys, xml.etree.ElementTree as E
            root = E.parse(sys.argv[1]).getroot()
            suites = root.findall('testsuite')
            print(len(suites), sum(len(s.findall('testcase')) for s in suites), len(root.findall('.//failure')))
            print(root.find(".//testcase[@name='test_cases/bad <case> & \\"quoted\\"']/failure").get('message'))
            """
        let result = try await ChildProcess.run("/usr/bin/env", ["python3", "-c", script, dir.file("report.xml")], timeout: .seconds(60))
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first == "4 10 3")
        #expect(lines.dropFirst().first == #"case "bad <case> & \"quoted\"": values differ"#)
    }

    @Test func junitMarksSkippedTests() {
        let xml = Fixture.run("skipped").junit()
        #expect(xml.contains(#"<testcase classname="rollout_test" name="todo_bucket_boundary""#))
        #expect(xml.contains("<skipped message=\"todo\"/>"))
    }

    @Test func tapNumbersTestsWithDiagnosticsAndSkips() {
        var report = Fixture.run("failing")
        report.results += Fixture.run("skipped").results
        let lines = report.tap().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "TAP version 13")
        #expect(lines[1] == "1..6")
        #expect(lines.contains { $0.hasPrefix("ok 1 - ") && $0.hasSuffix("test_cases/all enabled") })
        let failing = lines.firstIndex { $0.hasPrefix("not ok 2 - ") }
        #expect(failing != nil)
        if let failing {
            #expect(lines[failing + 1] == "  ---")
            #expect(lines[failing + 2] == "  message: |-")
        }
        #expect(lines.contains { $0.hasPrefix("ok 6 - ") && $0.hasSuffix("todo_bucket_boundary # SKIP todo") })
        #expect(lines.contains("# 3 passed, 2 failed, 1 skipped"))
    }
}
