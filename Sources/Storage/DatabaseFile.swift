import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File-level facts and steps around a SQLite file: its header, its `-wal`/`-shm` companions,
/// sizes, and the fsync-then-rename that makes a replacement durable.
enum DatabaseFile {
    static let header = Array("SQLite format 3\0".utf8)

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// True when the file starts with SQLite's 16-byte header.
    static func hasSQLiteHeader(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: header.count)).map { Array($0) == header } ?? false
    }

    static func size(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// The write-ahead log and shared-memory index next to a database in WAL mode.
    static func companions(of path: String) -> [String] { [path + "-wal", path + "-shm"] }

    /// Removes the file and its companions (and a rollback journal); missing ones are fine.
    static func remove(_ path: String) {
        for file in [path, path + "-journal"] + companions(of: path) { unlink(file) }
    }

    /// Forces the file's contents to disk.
    static func sync(_ path: String) throws(DatabaseOperationError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .fileOperation(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .fileOperation(path: path, reason: "fsync: " + String(cString: strerror(errno))) }
    }

    /// Atomically puts `source` at `target` (same file system), then syncs the folder so the
    /// new name survives a power loss.
    static func replace(_ target: String, with source: String) throws(DatabaseOperationError) {
        guard rename(source, target) == 0 else {
            throw .fileOperation(path: target, reason: "rename: " + String(cString: strerror(errno)))
        }
        let folder = (target as NSString).deletingLastPathComponent
        let fd = open(folder.isEmpty ? "." : folder, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }

    /// A hidden name next to `path` for a file being written.
    static func temporary(near path: String, purpose: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        let name = "." + (path as NSString).lastPathComponent + ".\(purpose)-\(getpid())"
        return folder.isEmpty ? name : (folder as NSString).appendingPathComponent(name)
    }

    /// Plain copy of a database and its companions, for when SQLite cannot read it any more.
    static func rawCopy(_ source: String, to target: String) throws(DatabaseOperationError) {
        for (from, to) in zip([source] + companions(of: source), [target] + companions(of: target)) where exists(from) {
            do {
                try FileManager.default.copyItem(atPath: from, toPath: to)
                try sync(to)
            } catch let error as DatabaseOperationError {
                throw error
            } catch {
                throw .fileOperation(path: to, reason: error.localizedDescription)
            }
        }
    }
}
