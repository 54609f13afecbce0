import Crypto
import Foundation
import LuaRuntime
import OracleCore
import Storage
import Synchronization

/// The policy test runs that passed, so activating files already verified skips running their
/// tests again — at every restart in production, and at every app start in the test suite.
///
/// A run's outcome depends only on what the digest covers: the policy's text, the test file's
/// text, the test library (`lua/testing.lua`), the fixtures, the limits and the build. Passes
/// are kept in the database (across restarts) and in this process (tests start many apps, each
/// on a fresh database).
///
/// ```swift
/// let digest = PolicyTestPasses.digest(of: candidate, tests: text, testFile: path, runner: runner)
/// if await passes.contains(digest) { /* skip */ }
/// ```
struct PolicyTestPasses: Sendable {
    let store: SQLiteStore?

    /// Passes seen by this process, whatever database they were recorded in.
    private static let seen = Mutex<Set<String>>([])
    /// Fixtures above this many bytes in all are not digested: such runs are not cached.
    static let maxDigestedBytes = 4 << 20

    /// Nil when the inputs cannot all be read (then the tests simply run).
    static func digest(of candidate: PolicySource, tests: String, testFile: String, runner: PolicyTestRunner) -> String? {
        var hasher = SHA256()
        var total = 0
        func add(_ label: String, _ data: Data) {
            total += data.count
            hasher.update(data: Data("\(label)\u{0}\(data.count)\u{0}".utf8))
            hasher.update(data: data)
        }
        add("build", Data(OracleVersion.current.utf8))
        add("limits", Data(String(describing: runner.limits).utf8))
        add("policy", Data(candidate.text.utf8))
        add("tests", Data(tests.utf8))
        add("library", FileManager.default.contents(atPath: runner.libraryPath) ?? Data())
        let fixtures = ((testFile as NSString).deletingLastPathComponent as NSString).appendingPathComponent("fixtures")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: fixtures)) ?? []
        for name in names.sorted() {
            guard let data = FileManager.default.contents(atPath: (fixtures as NSString).appendingPathComponent(name)) else {
                return nil
            }
            add("fixture \(name)", data)
            if total > maxDigestedBytes { return nil }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Runs of the tests in flight in this process, by digest.
    private static let inFlight = Mutex<[String: Task<PolicyFailure?, Never>]>([:])

    /// Runs `verify`, unless the same inputs are being verified already: then their outcome is
    /// awaited, and if it passed, so has this. (Apps started side by side — the test suite, a
    /// fleet of test apps — would otherwise run the same tests at once, each slower for it.) A
    /// failure is not shared: the caller runs its own, for a message about its own files.
    static func coalescing(_ digest: String, _ verify: @escaping @Sendable () async -> PolicyFailure?) async -> PolicyFailure? {
        let (run, mine) = inFlight.withLock { runs -> (Task<PolicyFailure?, Never>, Bool) in
            if let running = runs[digest] { return (running, false) }
            let run = Task { await verify() }
            runs[digest] = run
            return (run, true)
        }
        let outcome = await run.value
        if mine {
            _ = inFlight.withLock { $0.removeValue(forKey: digest) }
            return outcome
        }
        return outcome == nil ? nil : await verify()
    }

    func contains(_ digest: String) async -> Bool {
        if Self.seen.withLock({ $0.contains(digest) }) { return true }
        guard let store, (try? await store.hasPolicyTestPass(digest: digest)) == true else { return false }
        Self.seen.withLock { _ = $0.insert(digest) }
        return true
    }

    func record(_ digest: String, policy: PolicyKind) async {
        Self.seen.withLock { _ = $0.insert(digest) }
        // Best effort: without the row the next restart runs the tests once more.
        try? await store?.recordPolicyTestPass(digest: digest, policy: policy.rawValue)
    }
}
