import Foundation
import Logging
import Policies
import Testing

@Suite struct PolicyWatcherTests {
    /// An edit that keeps the file's size (a changed digit) is seen through its modification
    /// time alone, and the running watcher activates it.
    @Test func sameSizeEditIsPickedUp() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let host = fixture.makeHost()
        await host.start()
        let original = try fixture.read(.severity)
        // Made before the edit: it compares with the files as they were then, however late its
        // task first runs (under a loaded test run, later than any fixed sleep).
        let watcher = PolicyWatcher(host: host, interval: .milliseconds(20), logger: Logger(label: "test"))
        let running = Task { try await watcher.run() }
        defer { running.cancel() }

        let edited = original.replacingOccurrences(of: "-- ", with: "--_", options: [], range: original.range(of: "-- "))
        #expect(edited.utf8.count == original.utf8.count && edited != original)
        try fixture.write(.severity, edited)
        // Waits until the edit is active or rejected. Activation runs the policy's tests, which
        // in a full parallel test run on two cores took over 10 s; the bound only stops a hang.
        let hash = PolicySource.hash(of: edited)
        let deadline = ContinuousClock.now + .seconds(120)
        while host.activeHash(.severity) != hash, host.failure(.severity)?.hash != hash, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(host.failure(.severity) == nil)
        #expect(host.activeHash(.severity) == hash)
    }
}
