import Foundation
import LuaRuntime
import Storage

/// What a reload or rollback did.
public enum ActivationOutcome: Sendable, Equatable {
    /// The version is now serving.
    case activated(hash: String)
    /// The file has the content already serving.
    case unchanged(hash: String)
    /// The candidate was refused; the previous version keeps serving.
    case rejected(PolicyFailure)
}

extension PolicyHost {
    /// Reads `kind`'s file and activates it if it passes every check and its tests.
    @discardableResult
    public func reload(_ kind: PolicyKind, origin: String = "reload") async -> ActivationOutcome {
        await activation.withLock(kind) {
            let candidate: PolicySource
            do {
                candidate = try PolicySource.read(kind, from: self.configuration.policiesDirectory)
            } catch {
                return self.reject(kind, PolicyFailure(stage: .read, message: "cannot read \(kind.fileName): \(error)"))
            }
            if let active = self.active(kind), active.source.hash == candidate.hash {
                self.slots.withLock { $0[kind, default: Slot()].lastFailure = nil }
                return .unchanged(hash: candidate.hash)
            }
            return await self.activate(candidate, origin: origin, tests: .current)
        }
    }

    /// Reloads every policy, side by side (a slow one does not hold up the others); the result
    /// lists each one's outcome.
    public func reloadAll() async -> [PolicyKind: ActivationOutcome] {
        await withTaskGroup(of: (PolicyKind, ActivationOutcome).self) { group in
            for kind in PolicyKind.allCases {
                group.addTask { (kind, await self.reload(kind)) }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
    }

    /// Which tests a candidate must pass before it goes live, and so which are stored with it.
    enum TestSelection: Sendable {
        /// The policy's test file as it is now (a changed file, a reload).
        case current
        /// The tests stored with the version (a rollback); not run when they were not recorded.
        case stored(StoredPolicyTests)
        /// None: a version restored from the database at startup passed them when it first went
        /// live; stored again as given.
        case skipped(recording: StoredPolicyTests)
    }

    /// Checks `candidate` (compile, entry, contract on samples, its tests) and swaps it in
    /// atomically. Must run holding `activation` for its policy.
    func activate(_ candidate: PolicySource, origin: String, tests: TestSelection) async -> ActivationOutcome {
        switch await verify(candidate, tests: tests) {
        case .failure(let failure): reject(candidate.kind, failure)
        case .success(let passed): await install(candidate, origin: origin, tests: passed)
        }
    }

    /// Compiles `candidate`, checks its entry function and its results on the sample inputs, and
    /// runs the selected tests; answers the tests it passed, to be stored with it.
    func verify(_ candidate: PolicySource, tests: TestSelection) async -> Result<StoredPolicyTests, PolicyFailure> {
        await probe?.willCheck(candidate)
        let toRun: StoredPolicyTests
        switch tests {
        case .current:
            do {
                toRun = try currentTests(candidate.kind)
            } catch {
                return .failure(PolicyFailure(stage: .read, message: "cannot read tests/\(candidate.kind.testFileName): \(error)",
                                              hash: candidate.hash))
            }
        case .stored(let stored): toRun = stored
        case .skipped(let recording):
            return await Self.offload { [limits = configuration.limits] in
                PolicyProgram.check(candidate, limits: limits).map { .failure($0) } ?? .success(recording)
            }
        }
        let limits = configuration.limits
        let runner = self.runner
        let realTestFile = testFilePath(candidate.kind)
        // Tests that passed with exactly these inputs before need not run again.
        let passes = PolicyTestPasses(store: store)
        var digest: String?
        if case .file(let text) = toRun {
            digest = PolicyTestPasses.digest(of: candidate, tests: text, testFile: realTestFile, runner: runner)
        }
        var alreadyPassed = false
        if let digest { alreadyPassed = await passes.contains(digest) }
        // Compiling and running the policy's tests is CPU work (tens of milliseconds): do it on a
        // dispatch thread, so the cooperative pool keeps serving requests meanwhile.
        let work: @Sendable () async -> PolicyFailure? = { [alreadyPassed] in await Self.offload {
            if let failure = PolicyProgram.check(candidate, limits: limits) { return failure }
            guard !alreadyPassed, case .file(let text) = toRun else { return nil }
            let report: PolicyTestReport
            do {
                report = try Self.runTests(text, of: candidate, runner: runner, reportingAs: realTestFile)
            } catch {
                return PolicyFailure(stage: .tests, message: "cannot run the tests: \(error)", hash: candidate.hash)
            }
            guard let first = report.results.first(where: { $0.status == .failed }) else { return nil }
            // The run stops at the first failure, so this is the failure, not a count of them.
            return PolicyFailure(
                stage: .tests,
                message: "test \(first.name) failed: \(first.message ?? "")",
                location: first.location, hash: candidate.hash)
        } }
        let failure: PolicyFailure?
        if let digest, !alreadyPassed {
            failure = await PolicyTestPasses.coalescing(digest, work)
        } else {
            failure = await work()
        }
        if failure == nil, !alreadyPassed, let digest { await passes.record(digest, policy: candidate.kind) }
        return failure.map { .failure($0) } ?? .success(toRun)
    }

    /// Swaps a verified `candidate` in and records it with the tests it passed.
    func install(_ candidate: PolicySource, origin: String, tests: StoredPolicyTests) async -> ActivationOutcome {
        let kind = candidate.kind
        let limits = configuration.limits
        let pool = LuaStatePool(maxStates: configuration.statesPerPolicy, name: kind.rawValue, waitLimit: limits.timeout) {
            try PolicyProgram.makeState(candidate, limits: limits)
        }
        let now = Date()
        let active = ActivePolicy(source: candidate, pool: pool, activatedAt: now, origin: origin)
        let previous = slots.withLock { slots -> ActivePolicy? in
            var slot = slots[kind, default: Slot()]
            let previous = slot.active
            slot.active = active
            slot.lastFailure = nil
            slots[kind] = slot
            return previous
        }
        // Calls already running on the old version finish on their states; idle ones go now.
        previous?.pool.close()
        if let store, previous?.source.hash != candidate.hash {
            let latest = try? await store.policyActivations(policy: kind.rawValue, limit: 1).first
            // A restart activating the file of the latest row records nothing new, unless that row
            // lacks the tests this activation ran.
            if latest?.hash != candidate.hash || origin != "file" || (latest?.tests != tests && tests != .notRecorded) {
                do {
                    try await store.recordActivation(policy: kind.rawValue, hash: candidate.hash, source: candidate.text,
                                                     tests: tests, origin: origin, at: now)
                } catch {
                    logger.error("cannot record policy activation", metadata: ["policy.name": "\(kind.rawValue)", "error": "\(error)"])
                }
            }
        }
        metrics.reloaded(kind, outcome: "activated")
        logger.info("policy activated", metadata: [
            "policy.name": "\(kind.rawValue)", "policy.version": "\(candidate.hash)", "policy.origin": "\(origin)",
        ])
        probe?.didFinish(kind, .activated(hash: candidate.hash))
        return .activated(hash: candidate.hash)
    }

    /// Runs blocking work on a dispatch thread and resumes with its result.
    static func offload<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .utility).async { continuation.resume(returning: work()) }
        }
    }

    /// Counts, logs and reports a refused candidate; with `markFailing` (a candidate from the
    /// policy's file) `GET /api/v1/policies` shows the policy `failing` until a version activates.
    func reject(_ kind: PolicyKind, _ failure: PolicyFailure, markFailing: Bool = true) -> ActivationOutcome {
        if markFailing { slots.withLock { $0[kind, default: Slot()].lastFailure = failure } }
        metrics.reloaded(kind, outcome: "rejected")
        logger.warning("policy version rejected; last good version keeps serving", metadata: [
            "policy.name": "\(kind.rawValue)", "policy.version": "\(failure.hash ?? "-")",
            "policy.stage": "\(failure.stage.rawValue)", "policy.error": "\(failure.message)",
            "policy.location": "\(failure.location ?? "-")",
        ])
        probe?.didFinish(kind, .rejected(failure))
        return .rejected(failure)
    }

    /// Activates the newest stored version that still passes its checks (startup with a broken file).
    func restoreStored(_ kind: PolicyKind) async -> String? {
        guard let store, let versions = try? await store.policyActivations(policy: kind.rawValue, limit: 20) else { return nil }
        let failure = slots.withLock { $0[kind]?.lastFailure }
        for version in versions {
            let source = PolicySource(kind: kind, text: version.source,
                                      chunkName: (configuration.policiesDirectory as NSString).appendingPathComponent(kind.fileName))
            let outcome = await activation.withLock(kind) {
                await self.activate(source, origin: "stored", tests: .skipped(recording: version.tests))
            }
            if case .activated(let hash) = outcome {
                // Keep showing why the file itself was not used.
                slots.withLock { $0[kind, default: Slot()].lastFailure = failure }
                return hash
            }
        }
        slots.withLock { $0[kind, default: Slot()].lastFailure = failure }
        return nil
    }
}
