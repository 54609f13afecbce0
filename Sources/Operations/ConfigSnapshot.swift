import Foundation
import OracleCore
import Storage

/// Snapshots of what an operator edits — the config file in use, `policies/` and `lua/` — in
/// `backups/config_YYYYMMDD_HHMMSS/` with a `manifest.json` (time, version, every file with
/// its SHA-256), as the seeds' Configuration Backup and `config_rollback.sh` expect.
/// The config file holds secrets, so snapshot folders are readable by their owner only.
///
/// ```swift
/// let sources = ConfigSources(configFile: "config/oracle-chat.env", policiesDirectory: "policies", luaDirectory: "lua")
/// let saved = try ConfigSnapshot.create(from: sources, in: "backups")
/// ```
public struct ConfigSources: Sendable, Equatable {
    public var configFile: String
    public var policiesDirectory: String
    public var luaDirectory: String

    public init(configFile: String, policiesDirectory: String, luaDirectory: String) {
        self.configFile = configFile
        self.policiesDirectory = policiesDirectory
        self.luaDirectory = luaDirectory
    }
}

public enum ConfigSnapshot {
    public static let regular = BackupName(prefix: "config_", suffix: "")
    public static let emergency = BackupName(prefix: "config_emergency_", suffix: "")
    static let notIncluded = ["policy versions stored in SQLite (policy_versions): not in this snapshot; they are in database backups (oracle-chat db backup)"]

    /// Saves a snapshot; returns its folder and manifest.
    @discardableResult
    public static func create(
        from sources: ConfigSources, in directory: String, emergency isEmergency: Bool = false, now: Date = Date()
    ) throws -> (path: String, manifest: ConfigManifest) {
        let fm = FileManager.default
        let path = (isEmergency ? emergency : regular).newPath(in: directory, date: now)
        let staging = (directory as NSString).appendingPathComponent(".\((path as NSString).lastPathComponent).partial-\(getpid())")
        do {
            try fm.createDirectory(atPath: staging, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            var files: [ConfigManifest.File] = []
            var manifest = ConfigManifest(
                createdAt: now, oracleChatVersion: OracleVersion.current, kind: isEmergency ? "emergency" : "snapshot",
                files: [], notIncluded: notIncluded)
            if fm.fileExists(atPath: sources.configFile) {
                manifest.configFile = sources.configFile
                let name = (sources.configFile as NSString).lastPathComponent
                files.append(try copy(sources.configFile, as: name, role: .configFile, into: staging))
            }
            for (role, folder) in [(ConfigManifest.Role.policies, sources.policiesDirectory), (.lua, sources.luaDirectory)] {
                var isDirectory: ObjCBool = false
                guard fm.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
                if role == .policies { manifest.policiesDirectory = folder } else { manifest.luaDirectory = folder }
                for relative in try regularFiles(in: folder) {
                    files.append(try copy((folder as NSString).appendingPathComponent(relative),
                                          as: role.rawValue + "/" + relative, role: role, into: staging))
                }
            }
            manifest.files = files
            try ConfigManifest.encoder.encode(manifest)
                .write(to: URL(fileURLWithPath: (staging as NSString).appendingPathComponent(ConfigManifest.fileName)))
            try fm.moveItem(atPath: staging, toPath: path)
            return (path, manifest)
        } catch {
            try? fm.removeItem(atPath: staging)
            throw ConfigSnapshotError.fileOperation(path: path, reason: "\(error)")
        }
    }

    /// Regular files under `folder`, as relative paths, sorted; hidden files are skipped.
    static func regularFiles(in folder: String) throws -> [String] {
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: folder) else { return [] }
        var found: [String] = []
        while let relative = walker.nextObject() as? String {
            guard !(relative as NSString).lastPathComponent.hasPrefix(".") else { continue }
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: (folder as NSString).appendingPathComponent(relative), isDirectory: &isDirectory),
               !isDirectory.boolValue {
                found.append(relative)
            }
        }
        return found.sorted()
    }

    static func copy(_ source: String, as relative: String, role: ConfigManifest.Role, into folder: String) throws -> ConfigManifest.File {
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        let target = (folder as NSString).appendingPathComponent(relative)
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: target))
        if role == .configFile { try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: target) }
        return .init(path: relative, role: role, source: source, sha256: ConfigManifest.sha256(data), bytes: data.count)
    }
}
