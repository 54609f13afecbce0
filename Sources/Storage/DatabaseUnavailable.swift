import GRDB

/// The database cannot serve: SQLite cannot open, read or write the file, the file is not (or no
/// longer) the database, or the store is closed. The one place that decides which storage
/// failures mean "unavailable" — a state of the machine an operator fixes and a client retries —
/// rather than a bug; the HTTP API answers them `503 database_unavailable` and the health
/// endpoints report the same ``cause``.
///
/// ```swift
/// if let unavailable = DatabaseUnavailable(error) { print(unavailable.cause) }  // "the database file is corrupt (SQLITE_CORRUPT)"
/// ```
public struct DatabaseUnavailable: Error, Equatable, CustomStringConvertible {
    /// What failed, in words, with SQLite's code: never a path, SQL or row contents, so it can be
    /// shown to any client.
    public let cause: String

    /// Nil when `error` is not the database failing (a missing row, a constraint, a bug).
    public init?(_ error: any Error) {
        switch error {
        case let error as DatabaseUnavailable:
            self = error
        case StorageError.cannotOpen:
            cause = "the database file cannot be opened"
        case let error as DatabaseError:
            guard let cause = Self.cause(of: error) else { return nil }
            self.cause = cause
        default:
            return nil
        }
    }

    public var description: String { "database unavailable: \(cause)" }

    /// By SQLite's primary result code; `SQLITE_BUSY` only reaches here once the store's busy
    /// timeout has passed.
    static func cause(of error: DatabaseError) -> String? {
        switch error.resultCode {
        case .SQLITE_CANTOPEN: "the database file cannot be opened (SQLITE_CANTOPEN)"
        case .SQLITE_IOERR: "reading or writing the database file failed (SQLITE_IOERR)"
        case .SQLITE_CORRUPT: "the database file is corrupt (SQLITE_CORRUPT)"
        case .SQLITE_NOTADB: "the database file is not a SQLite database (SQLITE_NOTADB)"
        case .SQLITE_FULL: "the disk is full (SQLITE_FULL)"
        case .SQLITE_READONLY: "the database cannot be written (SQLITE_READONLY)"
        case .SQLITE_PERM, .SQLITE_AUTH: "permission to the database file was denied (SQLITE_PERM)"
        case .SQLITE_BUSY, .SQLITE_LOCKED: "the database stayed locked past the busy timeout (SQLITE_BUSY)"
        case .SQLITE_PROTOCOL: "the database's WAL lock could not be taken (SQLITE_PROTOCOL)"
        case .SQLITE_NOMEM: "SQLite ran out of memory (SQLITE_NOMEM)"
        // GRDB's answer once the store is closed: the server is stopping (or a restore closed it).
        case .SQLITE_MISUSE where error.message == "Connection is closed": "the database is closed"
        // The tables the migrations made are gone: the file was truncated or replaced under the
        // running server. A query naming a table that never existed is a bug caught by the tests.
        case .SQLITE_ERROR where error.message?.hasPrefix("no such table") == true:
            "the database file has lost its tables (truncated or replaced?)"
        default: nil
        }
    }
}
