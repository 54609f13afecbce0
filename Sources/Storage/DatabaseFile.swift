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

    /// Throws unless `path` is a regular file starting with SQLite's 16-byte header.
    ///
    /// Opened with `O_NONBLOCK` and checked through the descriptor (`fstat`), so a FIFO, device
    /// or directory is refused at once: a plain open of a FIFO blocks until a writer appears.
    static func requireSQLiteFile(_ path: String) throws(DatabaseOperationError) {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw .missing(path: path) }
            throw .fileOperation(path: path, reason: DatabaseOperationError.describe(errno: code))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw .fileOperation(path: path, reason: DatabaseOperationError.describe(errno: errno))
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else { throw .notARegularFile(path: path, kind: kindName(kind)) }
        var bytes = [UInt8](repeating: 0, count: header.count)
        let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, header.count, 0) }
        guard count == header.count, bytes == header else { throw .notADatabase(path: path) }
    }

    static func kindName(_ kind: mode_t) -> String {
        switch kind {
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
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
        guard fd >= 0 else { throw .fileOperation(path: path, reason: DatabaseOperationError.describe(errno: errno)) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .fileOperation(path: path, reason: "fsync: " + DatabaseOperationError.describe(errno: errno)) }
    }

    /// Atomically puts `source` at `target` (same file system), then syncs the folder so the
    /// new name survives a power loss.
    static func replace(_ target: String, with source: String) throws(DatabaseOperationError) {
        guard rename(source, target) == 0 else {
            throw .fileOperation(path: target, reason: "rename: " + DatabaseOperationError.describe(errno: errno))
        }
        let folder = (target as NSString).deletingLastPathComponent
        let fd = open(folder.isEmpty ? "." : folder, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }

    /// Removes what runs killed part-way left next to `path` under `temporary(near:purpose:)`
    /// names (with their `-journal`, `-wal`, `-shm`): those whose PID is no longer running.
    /// A live PID's file is left alone, it may still be being written. Returns the removed paths.
    static func removeLeftovers(near path: String, purpose: String) -> [String] {
        let folder = (path as NSString).deletingLastPathComponent
        let prefix = "." + (path as NSString).lastPathComponent + ".\(purpose)-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder) else { return [] }
        var removed: [String] = []
        for name in names.sorted() where name.hasPrefix(prefix) {
            var rest = name.dropFirst(prefix.count)
            for suffix in ["-journal", "-wal", "-shm"] where rest.hasSuffix(suffix) { rest = rest.dropLast(suffix.count) }
            guard let pid = Int32(rest), pid > 0, pid != getpid(), !isRunning(pid) else { continue }
            let file = folder.isEmpty ? name : (folder as NSString).appendingPathComponent(name)
            if unlink(file) == 0 { removed.append(file) }
        }
        return removed
    }

    /// Whether a process with this PID exists (EPERM: it exists but belongs to someone else).
    static func isRunning(_ pid: Int32) -> Bool { kill(pid, 0) == 0 || errno == EPERM }

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
                throw .fileOperation(path: to, reason: DatabaseOperationError.cause(of: error))
            }
        }
    }
}
