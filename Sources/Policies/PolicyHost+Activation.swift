import Foundation
import LuaRuntime

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
            return await self.activate(candidate, origin: origin, runTests: true)
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

    /// Checks `candidate` (compile, entry, contract on samples, the policy's tests when asked)
    /// and swaps it in atomically. Must run holding `activation` for its policy.
    func activate(_ candidate: PolicySource, origin: String, runTests: Bool) async -> ActivationOutcome {
        let kind = candidate.kind
        await probe?.willCheck(candidate)
        let limits = configuration.limits
        let runner = self.runner
        // Compiling and running the policy's tests is CPU work (tens of milliseconds): do it on a
        // dispatch thread, so the cooperative pool keeps serving requests meanwhile.
        let failure: PolicyFailure? = await Self.offload {
            if let failure = PolicyProgram.check(candidate, limits: limits) { return failure }
            guard runTests, let report = runner.runTests(of: candidate),
                  let first = report.results.first(where: { $0.status == .failed }) else { return nil }
            return PolicyFailure(
                stage: .tests,
                message: "\(report.failed) of \(report.results.count) tests failed; first: \(first.name): \(first.message ?? "")",
                location: first.location, hash: candidate.hash)
        }
        if let failure { return reject(kind, failure) }
        let pool = LuaStatePool(maxStates: configuration.statesPerPolicy) {
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
            if latest?.hash != candidate.hash || origin != "file" {
                do {
                    try await store.recordActivation(policy: kind.rawValue, hash: candidate.hash, source: candidate.text,
                                                     origin: origin, at: now)
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

    func reject(_ kind: PolicyKind, _ failure: PolicyFailure) -> ActivationOutcome {
        slots.withLock { $0[kind, default: Slot()].lastFailure = failure }
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
            let outcome = await activation.withLock(kind) { await self.activate(source, origin: "stored", runTests: false) }
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
