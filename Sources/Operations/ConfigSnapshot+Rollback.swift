import Foundation
import Storage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ConfigSnapshot {
    public struct Rollback: Sendable, Equatable {
        public var snapshot: String
        public var manifest: ConfigManifest
        /// The snapshot of the configuration as it was before the rollback.
        public var emergencySnapshot: String
        public var restored: [String]
    }

    /// The snapshot folder named `name` (`config_20250101_120000`, `20250101_120000` as the
    /// seed scripts pass it, or a path), or the newest regular one when `name` is nil.
    public static func locate(_ name: String?, in directory: String) throws(ConfigSnapshotError) -> String {
        guard let name else {
            guard let newest = regular.entries(in: directory).first else { throw .noSnapshot(directory: directory) }
            return newest.path
        }
        let candidates = [name, (directory as NSString).appendingPathComponent(name),
                          (directory as NSString).appendingPathComponent("config_" + name)]
        for candidate in candidates {
            if FileManager.default.fileExists(atPath: (candidate as NSString).appendingPathComponent(ConfigManifest.fileName)) {
                return candidate
            }
        }
        throw .notFound(name: name, directory: directory)
    }

    /// Reads the manifest and checks every file against its SHA-256.
    public static func verify(_ snapshot: String) throws(ConfigSnapshotError) -> ConfigManifest {
        let manifest: ConfigManifest
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: (snapshot as NSString).appendingPathComponent(ConfigManifest.fileName)))
            manifest = try ConfigManifest.decoder.decode(ConfigManifest.self, from: data)
        } catch {
            throw .damaged(snapshot: snapshot, reason: "manifest.json unreadable (\(error))")
        }
        for file in manifest.files {
            let data = try? Data(contentsOf: URL(fileURLWithPath: (snapshot as NSString).appendingPathComponent(file.path)))
            guard let data, ConfigManifest.sha256(data) == file.sha256 else {
                throw .damaged(snapshot: snapshot, reason: "\(file.path) is missing or does not match its SHA-256")
            }
        }
        return manifest
    }

    /// Puts the config file, `policies/` and `lua/` of a snapshot back where the server reads
    /// them now (`sources`), together, after saving the current ones as a `config_emergency_`
    /// snapshot. Folders are swapped by rename, so a watcher never sees half a folder.
    public static func rollback(to name: String?, sources: ConfigSources, in directory: String) throws -> Rollback {
        let snapshot = try locate(name, in: directory)
        let manifest = try verify(snapshot)
        let saved = try create(from: sources, in: directory, emergency: true)
        let fm = FileManager.default
        var restored: [String] = []
        do {
            if let file = manifest.files.first(where: { $0.role == .configFile }) {
                let staging = sources.configFile + ".rollback-\(getpid())"
                try? fm.removeItem(atPath: staging)
                try fm.copyItem(atPath: (snapshot as NSString).appendingPathComponent(file.path), toPath: staging)
                try AtomicRename.rename(staging, over: sources.configFile)
                restored.append(sources.configFile)
            }
            for (role, included, target) in [(ConfigManifest.Role.policies, manifest.policiesDirectory, sources.policiesDirectory),
                                             (.lua, manifest.luaDirectory, sources.luaDirectory)] where included != nil {
                try swapFolder(target, with: (snapshot as NSString).appendingPathComponent(role.rawValue))
                restored.append(target)
            }
        } catch {
            throw ConfigSnapshotError.fileOperation(
                path: snapshot, reason: "\(error); the previous configuration is saved in \(saved.path)")
        }
        return Rollback(snapshot: snapshot, manifest: manifest, emergencySnapshot: saved.path, restored: restored)
    }

    /// Replaces `target` with a copy of `source` (which may be missing: an empty folder).
    static func swapFolder(_ target: String, with source: String) throws {
        let fm = FileManager.default
        let staging = target + ".rollback-\(getpid())"
        let old = target + ".old-\(getpid())"
        try? fm.removeItem(atPath: staging)
        if fm.fileExists(atPath: source) {
            try fm.copyItem(atPath: source, toPath: staging)
        } else {
            try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
        }
        if fm.fileExists(atPath: target) { try fm.moveItem(atPath: target, toPath: old) }
        try fm.moveItem(atPath: staging, toPath: target)
        try? fm.removeItem(atPath: old)
    }
}

/// `rename(2)` of a single file over another, atomically.
enum AtomicRename {
    static func rename(_ source: String, over target: String) throws {
        guard systemRename(source, target) == 0 else {
            throw ConfigSnapshotError.fileOperation(path: target, reason: String(cString: strerror(errno)))
        }
    }
}

private func systemRename(_ source: String, _ target: String) -> Int32 { rename(source, target) }
