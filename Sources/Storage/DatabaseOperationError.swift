import Foundation

/// Why a backup, restore, check or maintenance run stopped. Messages name the file and the
/// rule; they never carry row contents or configuration values.
public enum DatabaseOperationError: Error, Equatable, CustomStringConvertible {
    case missing(path: String)
    case notADatabase(path: String)
    case notOracleChat(path: String, reason: String)
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
}
