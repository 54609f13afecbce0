import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a backup, restore, check or maintenance run stopped. Messages name the file and the
/// rule; they never carry row contents or configuration values.
public enum DatabaseOperationError: Error, Equatable, CustomStringConvertible {
    case missing(path: String)
    case notADatabase(path: String)
    case notOracleChat(path: String, reason: String)
    /// A directory, FIFO, device or socket: never opened as a database.
    case notARegularFile(path: String, kind: String)
    /// An Oracle Chat database whose schema is not what this build's migrations write.
    case foreignSchema(path: String, problems: [String])
    case integrityFailed(path: String, problems: [String])
    /// A running server holds `<db>.lock`.
    case inUse(database: String, lockPath: String, pid: Int32?)
    case lockFailed(path: String, reason: String)
    case sameFile(path: String)
    case fileOperation(path: String, reason: String)
    /// A step of a restore failed; the current database was saved first as `emergencyCopy`.
    case restoreFailed(step: String, reason: String, emergencyCopy: String?)
    case cancelled

    public var description: String {
        switch self {
        case .missing(let path):
            "no database file at \(path)"
        case .notADatabase(let path):
            "\(path) is not a SQLite database"
        case .notOracleChat(let path, let reason):
            "\(path) is not an Oracle Chat database: \(reason)"
        case .notARegularFile(let path, let kind):
            "\(path) is not a regular file (it is \(kind))"
        case .foreignSchema(let path, let problems):
            "\(path) does not have this build's schema, refusing it: " + problems.prefix(5).joined(separator: "; ")
                + (problems.count > 5 ? " (+\(problems.count - 5) more)" : "")
        case .integrityFailed(let path, let problems):
            "\(path) failed its integrity check: " + problems.prefix(5).joined(separator: "; ")
                + (problems.count > 5 ? " (+\(problems.count - 5) more)" : "")
        case .inUse(let database, let lockPath, let pid):
            "database \(database) is in use by a running oracle-chat process"
                + (pid.map { " (PID \($0), lock file \(lockPath))" } ?? " (lock file \(lockPath))")
        case .lockFailed(let path, let reason):
            "cannot lock \(path): \(reason)"
        case .sameFile(let path):
            "the backup and the database are the same file (\(path))"
        case .fileOperation(let path, let reason):
            "file operation on \(path) failed: \(reason)"
        case .restoreFailed(let step, let reason, let copy):
            "restore failed while \(step): \(reason)"
                + (copy.map { ". The database as it was before the restore is saved in \($0)" } ?? "")
        case .cancelled:
            "cancelled"
        }
    }

    /// The cause of a failed step in words an operator acts on: a full disk and a permission
    /// problem are named as such (SQLite reports a full disk as "SQLite error 13", whose
    /// message can be lost on the way up as "not an error").
    public static func cause(of error: any Error) -> String {
        switch error {
        case let error as DatabaseOperationError:
            return error.description
        case let error as DatabaseError:
            let message = error.message.map { ": \($0)" } ?? ""
            switch error.resultCode {
            case .SQLITE_FULL: return "disk full (SQLITE_FULL)"
            case .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_AUTH: return "permission denied (SQLite error \(error.resultCode.rawValue)\(message))"
            case .SQLITE_IOERR where error.extendedResultCode == .SQLITE_IOERR_WRITE || error.extendedResultCode == .SQLITE_IOERR_FSYNC:
                return "write failed, the disk may be full or failing (SQLite error \(error.extendedResultCode.rawValue)\(message))"
            default: return "SQLite error \(error.extendedResultCode.rawValue)\(message)"
            }
        case let error as POSIXError:
            return describe(errno: error.code.rawValue)
        case let error as CocoaError:
            if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
                return describe(errno: Int32(underlying.code))
            }
            switch error.code {
            case .fileWriteOutOfSpace: return "disk full (\(error.localizedDescription))"
            case .fileWriteNoPermission, .fileReadNoPermission, .fileWriteVolumeReadOnly:
                return "permission denied (\(error.localizedDescription))"
            default: return error.localizedDescription
            }
        default:
            let bridged = error as NSError
            if bridged.domain == NSPOSIXErrorDomain { return describe(errno: Int32(bridged.code)) }
            return "\(error)"
        }
    }

    /// `strerror`, with the two causes an operator most often has to fix named first.
    static func describe(errno code: Int32) -> String {
        let text = String(cString: strerror(code))
        switch code {
        case ENOSPC, EDQUOT: return "disk full (\(text))"
        case EACCES, EPERM, EROFS: return "permission denied (\(text))"
        default: return text
        }
    }
}
