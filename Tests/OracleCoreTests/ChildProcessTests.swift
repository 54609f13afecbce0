import Foundation
import OracleCore
import Testing
import TestSupport

/// The spawning helpers, on real children of /bin/sh.
@Suite struct ChildProcessTests {
    @Test func statusAndBothStreamsAreReportedApart() async throws {
        let outcome = try await ChildProcess.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], timeout: .seconds(60))
        #expect(outcome.termination == .exited(3))
        #expect(outcome.status == 3)
        #expect(outcome.stdout == "out\n")
        #expect(outcome.stderr == "err\n")
        #expect(!outcome.timedOut)
    }

    @Test func theEnvironmentIsInheritedAndUpdated() async throws {
        let outcome = try await ChildProcess.run("/bin/sh", ["-c", #"echo "$ORACLE_CHILD_TEST|${PATH:+path}""#],
                                                 environment: ["ORACLE_CHILD_TEST": "given"], timeout: .seconds(60))
        #expect(outcome.stdout == "given|path\n")
    }

    @Test func capturedOutputIsBoundedAndTheRestStillDrained() async throws {
        // A megabyte is far more than a pipe holds: the child finishes only if it is read to the end.
        let outcome = try await ChildProcess.run("/bin/sh", ["-c", "head -c 1000000 /dev/zero; echo done >&2"],
                                                 timeout: .seconds(60), outputLimit: 1000)
        #expect(outcome.status == 0)
        #expect(outcome.stdout.utf8.count == 1000)
        #expect(outcome.stderr == "done\n")
    }

    @Test func aChildPastItsDeadlineIsTerminated() async throws {
        let outcome = try await ChildProcess.run("/bin/sh", ["-c", "echo started; exec sleep 60"], timeout: .milliseconds(300))
        #expect(outcome.timedOut)
        #expect(outcome.termination == .signalled(SIGTERM))
        #expect(outcome.stdout == "started\n")
    }

    /// SIGTERM ignored (the disposition survives exec), so only the SIGKILL after the grace ends it.
    @Test func aChildIgnoringSIGTERMIsKilledAfterTheGrace() async throws {
        let outcome = try await ChildProcess.run("/bin/sh", ["-c", "trap '' TERM; exec sleep 600"],
                                                 timeout: .milliseconds(300), grace: .milliseconds(300))
        #expect(outcome.timedOut)
        #expect(outcome.termination == .signalled(SIGKILL))
    }

    @Test func aMissingExecutableThrows() async {
        await #expect(throws: (any Error).self) {
            _ = try await ChildProcess.run("/nonexistent/oracle-chat-tool", timeout: .seconds(5))
        }
    }

    @Test func aRunningChildIsWaitedOnAndStopped() async throws {
        let child = try await RunningChild("/bin/sh", ["-c", "trap 'echo bye >&2; exit 0' TERM; echo ready; while :; do sleep 0.1; done"])
        #expect(await child.waitFor(.standardOutput, timeout: .seconds(30)) { $0.range(of: "ready") } == "ready")
        #expect(await child.stop() == .exited(0))
        #expect(child.text(.standardError) == "bye\n")
        #expect(await child.stop() == .exited(0), "stopping again tells the same")
    }

    @Test func aRunningChildCanBeKilledAndAWaitEndsWithIt() async throws {
        let child = try await RunningChild("/bin/sh", ["-c", "echo one; exec sleep 60"])
        #expect(await child.waitFor(.standardOutput, timeout: .seconds(30)) { $0.range(of: "one") } != nil)
        #expect(await child.kill() == .signalled(SIGKILL))
        // Ended without printing it: the wait answers at once rather than at its timeout.
        #expect(await child.waitFor(.standardOutput, timeout: .seconds(600)) { $0.range(of: "two") } == nil)
    }
}
