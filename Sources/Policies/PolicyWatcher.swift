import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Watches `policies/` (and `lua/`) and reloads a policy when its file or its tests change.
///
/// Polls file sizes and modification times every `interval` (default 100 ms): cheap, works on
/// every file system and editor save strategy, and keeps change-to-active well under 250 ms.
///
/// The files are first looked at when the watcher is made, before the host loads them: a file
/// edited while the server starts is then seen as changed on the first poll (and found
/// `unchanged` if the host already loaded the edit), never missed.
public struct PolicyWatcher: Service {
    let host: PolicyHost
    let interval: Duration
    let logger: Logger
    private let baseline: [String: Fingerprint]

    public init(host: PolicyHost, interval: Duration = .milliseconds(100), logger: Logger) {
        self.host = host
        self.interval = interval
        self.logger = logger
        self.baseline = Self.fingerprints(of: [host.configuration.policiesDirectory, host.configuration.luaDirectory])
    }

    public func run() async throws {
        let reloads = ReloadCoalescer()
        // Each affected policy reloads in a task of its own, so a slow reload of one (its tests
        // can take seconds) never holds up an edit of another, and the folder keeps being watched.
        await withDiscardingTaskGroup { group in
            var known = baseline
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
                let current = fingerprints()
                guard current != known else { continue }
                let changed = Set(current.keys).union(known.keys).filter { current[$0] != known[$0] }
                known = current
                for kind in affectedPolicies(changed) where reloads.changed(kind) {
                    group.addTask {
                        repeat {
                            let outcome = await host.reload(kind, origin: "file")
                            logger.debug("policy file change handled", metadata: [
                                "policy.name": "\(kind.rawValue)", "outcome": "\(outcome)",
                            ])
                        } while reloads.reloaded(kind)
                    }
                }
            }
        }
    }

    /// `rollout.lua` or `tests/rollout_test.lua` → rollout; fixtures and `lua/` → every policy.
    func affectedPolicies(_ paths: Set<String>) -> [PolicyKind] {
        var kinds = Set<PolicyKind>()
        for path in paths {
            let name = (path as NSString).lastPathComponent
            if let kind = PolicyKind.allCases.first(where: { name == $0.fileName || name == $0.testFileName }) {
                kinds.insert(kind)
            } else {
                kinds.formUnion(PolicyKind.allCases)
            }
        }
        return kinds.sorted()
    }

    struct Fingerprint: Equatable {
        var size: Int
        /// Modification time in nanoseconds since the epoch.
        var modified: Int
    }

    func fingerprints() -> [String: Fingerprint] {
        Self.fingerprints(of: [host.configuration.policiesDirectory, host.configuration.luaDirectory])
    }

    static func fingerprints(of roots: [String]) -> [String: Fingerprint] {
        var result: [String: Fingerprint] = [:]
        for root in roots {
            guard let enumerator = FileManager.default.enumerator(atPath: root) else { continue }
            while let relative = enumerator.nextObject() as? String {
                guard relative.hasSuffix(".lua") || relative.hasSuffix(".json") else { continue }
                let path = (root as NSString).appendingPathComponent(relative)
                // stat(2) itself: `FileManager.attributesOfItem` also looks up the owner's user and
                // group names, reading /etc/passwd and /etc/group for every file on every poll.
                var info = stat()
                guard stat(path, &info) == 0 else { continue }
                result[path] = Fingerprint(size: Int(info.st_size),
                                           modified: Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec))
            }
        }
        return result
    }
}

/// Coalesces changes of one policy: while its reload runs, any number of further changes make
/// exactly one more reload, which reads the files as they are by then.
final class ReloadCoalescer: Sendable {
    private enum State { case reloading, reloadingAndChangedAgain }
    private let states = Mutex<[PolicyKind: State]>([:])

    /// A change of `kind`'s files: true when the caller must start a reload task; false when one
    /// runs already (it reloads once more when done).
    func changed(_ kind: PolicyKind) -> Bool {
        states.withLock { states in
            guard states[kind] == nil else {
                states[kind] = .reloadingAndChangedAgain
                return false
            }
            states[kind] = .reloading
            return true
        }
    }

    /// The reload task of `kind` finished a reload: true when it must reload again.
    func reloaded(_ kind: PolicyKind) -> Bool {
        states.withLock { states in
            guard states[kind] == .reloadingAndChangedAgain else {
                states[kind] = nil
                return false
            }
            states[kind] = .reloading
            return true
        }
    }
}

// The service group logs each service's description (at debug level and below); the default
// one prints every stored property, secrets among them (webhook URLs with their credentials).
extension PolicyWatcher: CustomStringConvertible {
    public var description: String { "PolicyWatcher" }
}
