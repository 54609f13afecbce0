import Foundation
import Logging
import ServiceLifecycle

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
        var known = baseline
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
            let current = fingerprints()
            guard current != known else { continue }
            let changed = Set(current.keys).union(known.keys).filter { current[$0] != known[$0] }
            known = current
            for kind in affectedPolicies(changed) {
                let outcome = await host.reload(kind, origin: "file")
                logger.debug("policy file change handled", metadata: ["policy.name": "\(kind.rawValue)", "outcome": "\(outcome)"])
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
