import Foundation

/// Writes diagnostics parts to a folder with `summary.txt`, then packs it as `.tar.gz` with
/// the system's `tar`; without `tar` the folder itself is the result.
///
/// ```swift
/// let result = try await DiagnosticsArchive.write(parts, to: "oracle-chat-diagnostics.tar.gz")
/// ```
public enum DiagnosticsArchive {
    public struct Result: Sendable, Equatable {
        public var path: String
        public var isDirectory: Bool
        /// Why it is a folder rather than an archive.
        public var note: String?
    }

    public static func write(_ parts: [DiagnosticsPart], to output: String, now: Date = Date()) async throws -> Result {
        let fm = FileManager.default
        let isArchiveName = output.hasSuffix(".tar.gz") || output.hasSuffix(".tgz")
        let folder = isArchiveName ? String(output.dropLast(output.hasSuffix(".tgz") ? 4 : 7)) : output
        let parent = (folder as NSString).deletingLastPathComponent
        let name = (folder as NSString).lastPathComponent
        if fm.fileExists(atPath: folder) { try fm.removeItem(atPath: folder) }
        // Redacted, but still an operator's view of the system: owner only.
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for part in parts {
            guard let content = part.content else { continue }
            try Data(content.utf8).write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent(part.file)))
        }
        try Data(DiagnosticsCollector.summary(parts, createdAt: now).utf8)
            .write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("summary.txt")))
        guard isArchiveName else { return Result(path: folder, isDirectory: true, note: nil) }

        let archive = output
        guard let tar = await ExternalCommand.run("tar", ["-czf", archive, "-C", parent.isEmpty ? "." : parent, name], timeout: 120) else {
            return Result(path: folder, isDirectory: true, note: "tar not found: the diagnostics are the folder \(folder)")
        }
        guard tar.status == 0 else {
            try? fm.removeItem(atPath: archive)
            return Result(path: folder, isDirectory: true, note: "tar failed (\(tar.stderr.trimmingCharacters(in: .whitespacesAndNewlines))): the diagnostics are the folder \(folder)")
        }
        try? fm.removeItem(atPath: folder)
        return Result(path: archive, isDirectory: false, note: nil)
    }
}
