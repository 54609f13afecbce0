import Foundation
import LuaRuntime

extension PolicyTestRunner {
    struct FileOutcome {
        var results: [PolicyTestResult] = []
        var policy: PolicySource?
        var coveredLines: Set<Int> = []
        var loaded: PolicyTestFileInfo
    }

    /// What a test file declares: plain tests, parameterised tables, skipped todos.
    enum Declared {
        case function(String)
        case cases(String, [String])
        case todo(String)

        var name: String {
            switch self {
            case .function(let name), .cases(let name, _), .todo(let name): name
            }
        }
    }

    func runFile(_ file: String, filter: Regex<AnyRegexOutput>?, coverage: Bool, candidate: PolicySource?,
                 stopAtFirstFailure: Bool = false, deadline: ContinuousClock.Instant? = nil) -> FileOutcome {
        var outcome = FileOutcome(loaded: PolicyTestFileInfo(testFile: file, policyFile: nil, library: libraryPath))
        func fail(_ name: String, _ message: String, location: String? = nil) {
            outcome.results.append(PolicyTestResult(file: file, name: name, status: .failed, message: message,
                                                    location: location ?? file, durationMs: 0))
        }
        let policy: PolicySource
        do {
            policy = try policySource(for: file, candidate: candidate)
        } catch {
            fail("(load)", "\(error)")
            return outcome
        }
        outcome.policy = policy
        outcome.loaded.policyFile = policy.chunkName
        let testText: String
        let library: String
        do {
            testText = try PolicyFile.read(file)
            library = try PolicyFile.read(libraryPath)
        } catch {
            fail("(load)", "cannot read test file or test library: \(error)")
            return outcome
        }
        let setup = TestSetup(policy: policy, library: library, libraryName: libraryPath,
                              testText: testText, testFile: file, limits: limits, servingLimits: servingLimits)
        let declared: [Declared]
        do {
            declared = try setup.declaredTests()
        } catch {
            let (message, location) = Self.failure(error, limits: limits)
            fail("(load)", message, location: setup.resolve(location))
            return outcome
        }
        // After a test hits its time limit the file's other tests are not run: a policy that
        // spins on one test input likely spins on all, and would cost each its whole limit.
        var timedOut: String?
        func notRun(_ name: String) -> PolicyTestResult {
            PolicyTestResult(file: file, name: name, status: .skipped,
                             message: "not run: \(timedOut ?? "an earlier test") hit its time limit", location: nil, durationMs: 0)
        }
        for test in declared {
            if stopAtFirstFailure, outcome.results.contains(where: { $0.status == .failed }) { break }
            if let deadline, ContinuousClock.now > deadline {
                fail("(time limit)", "not run: the test run took longer than its limit of \(timeLimit.map { "\($0)" } ?? "-") in all")
                break
            }
            switch test {
            case .todo(let name):
                guard matches(name, filter) else { continue }
                outcome.results.append(PolicyTestResult(file: file, name: name, status: .skipped, message: "todo",
                                                        location: nil, durationMs: 0))
            case .function(let name):
                guard matches(name, filter) else { continue }
                if timedOut != nil { outcome.results.append(notRun(name)); continue }
                var hit = false
                outcome.results.append(setup.run(name: name, caseIndex: nil, coverage: coverage, into: &outcome.coveredLines,
                                                 timedOut: &hit))
                if hit { timedOut = name }
            case .cases(let name, let caseNames):
                for (index, caseName) in caseNames.enumerated() where matches("\(name)/\(caseName)", filter) {
                    if stopAtFirstFailure, outcome.results.last?.status == .failed { break }
                    if timedOut != nil { outcome.results.append(notRun("\(name)/\(caseName)")); continue }
                    var hit = false
                    var result = setup.run(name: name, caseIndex: index + 1, coverage: coverage, into: &outcome.coveredLines,
                                           timedOut: &hit)
                    result.name = "\(name)/\(caseName)"
                    outcome.results.append(result)
                    if hit { timedOut = result.name }
                }
            }
        }
        return outcome
    }

    var libraryPath: String { (luaDirectory as NSString).appendingPathComponent("testing.lua") }

    private func matches(_ name: String, _ filter: Regex<AnyRegexOutput>?) -> Bool {
        guard let filter else { return true }
        return (try? filter.firstMatch(in: name)) != nil
    }

    /// `tests/rollout_test.lua` tests `rollout.lua` one folder up (or beside it).
    func policySource(for testFile: String, candidate: PolicySource?) throws -> PolicySource {
        let base = (testFile as NSString).lastPathComponent.replacingOccurrences(of: "_test.lua", with: "")
        if let candidate, candidate.kind.rawValue == base { return candidate }
        let folder = (testFile as NSString).deletingLastPathComponent
        let candidates = [
            ((folder as NSString).deletingLastPathComponent as NSString).appendingPathComponent("\(base).lua"),
            (folder as NSString).appendingPathComponent("\(base).lua"),
        ]
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw RunnerError("policy \(base).lua not found for \(testFile) (looked in \(candidates.joined(separator: ", ")))")
        }
        guard let kind = PolicyKind(rawValue: base) else {
            throw RunnerError("\(base).lua is not one of the policies (\(PolicyKind.names))")
        }
        return PolicySource(kind: kind, text: try PolicyFile.read(path), chunkName: path)
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? LuaError { return error.message }
        return "\(error)"
    }

    static func location(of error: any Error) -> String? {
        guard let error = error as? LuaError, let chunk = error.chunkName else { return nil }
        return error.line.map { "\(chunk):\($0)" } ?? chunk
    }
}

struct RunnerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
