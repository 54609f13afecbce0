import Foundation
import OracleCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The advisory lock a server holds on `<database>.lock` for its whole life.
///
/// The file holds the server's PID; the lock itself is `flock(2)`, which the kernel drops when
/// the process dies, so a file left by a crashed server is recognised as stale. `db restore`
/// takes the same lock, so no server can start on a database while it is being replaced.
///
/// ```swift
/// let lock = try DatabaseLock(acquiring: config.database)   // throws .inUse(pid:) if taken
/// defer { lock.release() }
/// ```
public final class DatabaseLock {
    /// What `probe` finds.
    public enum State: Sendable, Equatable {
        case free
        /// A lock file whose owner is gone (crash, kill -9).
        case stale(pid: Int32?)
        /// A live process holds the lock.
        case held(pid: Int32?)
    }

    public let path: String
    private var descriptor: Int32

    public static func path(for database: DatabaseLocation) -> String { database.path + ".lock" }

    public init(acquiring database: DatabaseLocation) throws(DatabaseOperationError) {
        path = Self.path(for: database)
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        descriptor = try Self.lock(path: path, database: database.path)
        let text = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        _ = fsync(descriptor)
    }

    /// Removes the file, then drops the lock. Safe to call twice.
    public func release() {
        guard descriptor >= 0 else { return }
        // Unlink while still holding the lock, so nobody locks a file that is about to vanish.
        unlink(path)
        close(descriptor)
        descriptor = -1
    }

    deinit {
        release()
    }

    /// Whether a server holds the lock of `database`, without taking it.
    public static func probe(_ database: DatabaseLocation) -> State {
        let fd = open(path(for: database), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .free }
        defer { close(fd) }
        let pid = readPID(fd)
        guard flock(fd, LOCK_SH | LOCK_NB) == 0 else { return .held(pid: pid) }
        _ = flock(fd, LOCK_UN)
        return .stale(pid: pid)
    }

    private static func lock(path: String, database: String) throws(DatabaseOperationError) -> Int32 {
        while true {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw .lockFailed(path: path, reason: DatabaseOperationError.describe(errno: errno)) }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                let reason = errno
                let pid = readPID(fd)
                close(fd)
                if reason == EWOULDBLOCK { throw .inUse(database: database, lockPath: path, pid: pid) }
                throw .lockFailed(path: path, reason: DatabaseOperationError.describe(errno: reason))
            }
            // The previous holder may have unlinked the file between our open and flock:
            // only a lock on the file that is still on disk counts.
            var opened = stat(), onDisk = stat()
            if fstat(fd, &opened) == 0, stat(path, &onDisk) == 0,
               opened.st_ino == onDisk.st_ino, opened.st_dev == onDisk.st_dev {
                return fd
            }
            close(fd)
        }
    }

    private static func readPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 31, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
