import Foundation
import Logging
import OracleCore
@testable import Policies
import Synchronization
import Testing

/// Holds the next activation of one policy on a latch the test opens, and lets the test wait
/// for any activation to finish, without sleeping.
final class ActivationGate: Sendable {
    let heldKind: PolicyKind
    /// Opened once the held activation has reached the hold (it holds its policy's lock).
    let held = AsyncLatch()
    let release = AsyncLatch()
    private let state = Mutex(State())

    private struct State {
        var armed = false
        var finished: [(PolicyKind, ActivationOutcome)] = []
        var waiters: [(kind: PolicyKind, outcome: ActivationOutcome, latch: AsyncLatch)] = []
    }

    init(holding kind: PolicyKind) { heldKind = kind }

    /// Holds the next activation of `heldKind` (not the ones of `start()`).
    func arm() { state.withLock { $0.armed = true } }

    var probe: ActivationProbe {
        ActivationProbe(
            willCheck: { [self] candidate in
                let hold = candidate.kind == heldKind && state.withLock { state in
                    defer { state.armed = false }
                    return state.armed
                }
                guard hold else { return }
                held.open()
                try? await release.wait()
            },
            didFinish: { [self] kind, outcome in
                let ready = state.withLock { state -> [AsyncLatch] in
                    state.finished.append((kind, outcome))
                    let ready = state.waiters.filter { $0.kind == kind && $0.outcome == outcome }.map(\.latch)
                    state.waiters.removeAll { $0.kind == kind && $0.outcome == outcome }
                    return ready
                }
                for latch in ready { latch.open() }
            })
    }

    /// Returns once an activation of `kind` has finished with `outcome`. Cancellable, so a test
    /// whose time limit runs out (the activation never comes) fails instead of hanging.
    func finished(_ kind: PolicyKind, _ outcome: ActivationOutcome) async throws {
        let latch = state.withLock { state -> AsyncLatch? in
            if state.finished.contains(where: { $0.0 == kind && $0.1 == outcome }) { return nil }
            let latch = AsyncLatch()
            state.waiters.append((kind, outcome, latch))
            return latch
        }
        try await latch?.wait()
    }

    /// Every finished activation since the host was made, in order.
    var history: [(PolicyKind, ActivationOutcome)] { state.withLock { $0.finished } }
}

@Suite struct PolicyActivationTests {
    /// `rollout.lua`'s reload is held open (its tests could take seconds); a harmless edit of
    /// `severity.lua` goes live meanwhile through the real watcher, and edits of rollout made
    /// while it is held end in the last one serving.
    @Test(.timeLimit(.minutes(5)))
    func theWatcherActivatesOnePolicyWhileAnothersReloadIsHeld() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let gate = ActivationGate(holding: .rollout)
        defer { gate.release.open() }
        let host = fixture.makeHost(probe: gate.probe)
        _ = await host.reload(.rollout)
        _ = await host.reload(.severity)
        let originalRollout = try #require(host.activeHash(.rollout))
        let watcher = PolicyWatcher(host: host, interval: .milliseconds(20), logger: Logger(label: "test"))
        let running = Task { try await watcher.run() }
        defer { running.cancel() }

        gate.arm()
        let rollout = try fixture.read(.rollout) + "\n-- slow to activate\n"
        try fixture.write(.rollout, rollout)
        try await gate.held.wait()

        let severity = try fixture.read(.severity) + "\n-- harmless edit\n"
        try fixture.write(.severity, severity)
        try await gate.finished(.severity, .activated(hash: PolicySource.hash(of: severity)))
        #expect(host.activeHash(.severity) == PolicySource.hash(of: severity))
        #expect(host.activeHash(.rollout) == originalRollout, "rollout's reload is still held")

        let rolloutAgain = rollout + "-- edited again while held\n"
        try fixture.write(.rollout, rolloutAgain)
        gate.release.open()
        try await gate.finished(.rollout, .activated(hash: PolicySource.hash(of: rolloutAgain)))
        #expect(host.activeHash(.rollout) == PolicySource.hash(of: rolloutAgain))
        #expect(host.failure(.rollout) == nil)
    }

    /// The reload API reloads every policy: a held rollout reload does not hold up severity's.
    @Test(.timeLimit(.minutes(5)))
    func reloadAllActivatesOnePolicyWhileAnothersReloadIsHeld() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let gate = ActivationGate(holding: .rollout)
        defer { gate.release.open() }
        let host = fixture.makeHost(probe: gate.probe)
        await host.start()
        let rollout = try fixture.read(.rollout) + "\n-- slow to activate\n"
        let severity = try fixture.read(.severity) + "\n-- harmless edit\n"
        try fixture.write(.rollout, rollout)
        try fixture.write(.severity, severity)
        gate.arm()
        let reload = Task { await host.reloadAll() }
        try await gate.held.wait()
        try await gate.finished(.severity, .activated(hash: PolicySource.hash(of: severity)))
        #expect(host.activeHash(.severity) == PolicySource.hash(of: severity))
        #expect(host.activeHash(.rollout) != PolicySource.hash(of: rollout))
        gate.release.open()
        let outcomes = await reload.value
        #expect(outcomes[.rollout] == .activated(hash: PolicySource.hash(of: rollout)))
        #expect(outcomes[.severity] == .activated(hash: PolicySource.hash(of: severity)))
        #expect(outcomes[.cleanup].map { if case .unchanged = $0 { true } else { false } } == true)
    }

    /// A reload of the same policy asked for while one is held waits for it (in order) instead
    /// of running in its gap: the two never interleave.
    @Test(.timeLimit(.minutes(5)))
    func activationsOfOnePolicyNeverInterleave() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let gate = ActivationGate(holding: .cleanup)
        defer { gate.release.open() }
        let host = fixture.makeHost(probe: gate.probe)
        _ = await host.reload(.cleanup)
        let v2 = try fixture.read(.cleanup) + "\n-- v2\n"
        try fixture.write(.cleanup, v2)
        gate.arm()
        let first = Task { await host.reload(.cleanup) }
        try await gate.held.wait()
        let v3 = v2 + "-- v3\n"
        try fixture.write(.cleanup, v3)
        let second = Task { await host.reload(.cleanup) }
        while host.activation.waitingCount(.cleanup) == 0 {
            try Task.checkCancellation()
            await Task.yield()
        }
        #expect(gate.history.allSatisfy { $0.1 != .activated(hash: PolicySource.hash(of: v3)) })
        gate.release.open()
        #expect(await first.value == .activated(hash: PolicySource.hash(of: v2)))
        #expect(await second.value == .activated(hash: PolicySource.hash(of: v3)))
        #expect(host.activeHash(.cleanup) == PolicySource.hash(of: v3))
    }

    @Test func changesOfAPolicyBeingReloadedCoalesceIntoOneMoreReload() {
        let reloads = ReloadCoalescer()
        #expect(reloads.changed(.rollout), "first change starts a reload task")
        #expect(!reloads.changed(.rollout), "a change while reloading does not start another task")
        #expect(!reloads.changed(.rollout))
        #expect(reloads.changed(.severity), "another policy gets its own task")
        #expect(reloads.reloaded(.rollout), "changed meanwhile: reload once more")
        #expect(!reloads.reloaded(.rollout), "nothing new: the task ends")
        #expect(reloads.changed(.rollout), "a later change starts a task again")
        #expect(!reloads.reloaded(.severity))
    }
}
