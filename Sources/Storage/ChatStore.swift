import Foundation
import OracleCore

/// Durable storage of chat sessions and their messages, scoped by tenant.
///
/// The embedded implementation is ``SQLiteStore``; the protocol keeps the door open for a
/// shared PostgreSQL store when several instances serve behind a load balancer.
///
/// ```swift
/// let store = try SQLiteStore(location: .init(path: "data/oracle_sessions.db"))
/// let session = try await store.createSession(tenant: "default", title: "Test Session")
/// ```
public protocol ChatStore: Sendable {
    func createSession(tenant: String, title: String) async throws -> StoredSession
    func session(id: String, tenant: String) async throws -> StoredSession?
    /// Newest first.
    func listSessions(tenant: String, limit: Int, offset: Int) async throws -> SessionPage
    /// Deletes the session and all its messages; false when it does not exist for this tenant.
    func deleteSession(id: String, tenant: String) async throws -> Bool

    /// Appends messages, in order, at the end of the session's history in one transaction: all
    /// of them are stored, durably, or none. Not cancellable: once called, the messages are
    /// stored even if the calling task is cancelled meanwhile (a client that went away still
    /// finds its exchange). Throws ``StorageError/notFound`` when the session does not exist
    /// for this tenant.
    func appendMessages(_ messages: [NewMessage], sessionID: String, tenant: String) async throws -> [StoredMessage]
    /// Records why a user message got no reply.
    func markReplyFailed(messageID: String, error: String) async throws
    /// The history in order; `last` limits it to the most recent messages.
    func messages(sessionID: String, tenant: String, last: Int?) async throws -> [StoredMessage]
    /// What building a context needs of the newest `last` messages, oldest first; nil when the
    /// session does not exist for this tenant. One read (none of the messages for an empty session).
    func contextEntries(sessionID: String, tenant: String, last: Int) async throws -> [ContextEntry]?

    /// A cheap query proving the database answers; see ``DatabaseHealth``.
    func health() async -> DatabaseHealth
}

public struct StoredSession: Sendable, Equatable, Codable {
    public var id: String
    public var tenantID: String
    public var title: String
    public var createdAt: Date
    public var updatedAt: Date
    public var messageCount: Int
}

public struct SessionPage: Sendable, Equatable {
    public var sessions: [StoredSession]
    public var total: Int
}

/// Whether a message is whole.
public enum MessageStatus: String, Sendable, Codable {
    /// A user message with its reply, or a full assistant reply.
    case complete
    /// An assistant reply cut short (client disconnected, stream failed).
    case incomplete
    /// A user message whose reply failed; `error` says why.
    case failed
}

/// A stored message as far as a context is concerned (see ``ChatStore/contextEntries(sessionID:tenant:last:)``).
public struct ContextEntry: Sendable, Equatable {
    public var role: MessageRole
    public var content: String
    public var status: MessageStatus
    public var isFallback: Bool

    public init(role: MessageRole, content: String, status: MessageStatus, isFallback: Bool) {
        self.role = role
        self.content = content
        self.status = status
        self.isFallback = isFallback
    }

    public init(_ message: StoredMessage) {
        self.init(role: message.role, content: message.content, status: message.status, isFallback: message.isFallback)
    }
}

public struct NewMessage: Sendable, Equatable {
    public var role: MessageRole
    public var content: String
    public var status: MessageStatus
    public var provider: String?
    public var model: String?
    public var usage: TokenUsage?
    public var isFallback: Bool
    /// Why a `failed` user message got no reply.
    public var error: String?
    /// When it arrived (a user message stored with its reply); the time of the write when nil.
    public var createdAt: Date?

    public init(role: MessageRole, content: String, status: MessageStatus = .complete,
                provider: String? = nil, model: String? = nil, usage: TokenUsage? = nil, isFallback: Bool = false,
                error: String? = nil, createdAt: Date? = nil) {
        self.role = role
        self.content = content
        self.status = status
        self.provider = provider
        self.model = model
        self.usage = usage
        self.isFallback = isFallback
        self.error = error
        self.createdAt = createdAt
    }
}

extension ChatStore {
    /// Appends one message at the end of the session's history (see ``appendMessages(_:sessionID:tenant:)``).
    public func appendMessage(_ message: NewMessage, sessionID: String, tenant: String) async throws -> StoredMessage {
        try await appendMessages([message], sessionID: sessionID, tenant: tenant)[0]
    }
}

public struct StoredMessage: Sendable, Equatable, Codable {
    public var id: String
    public var sessionID: String
    /// Position in the session, from 1.
    public var sequence: Int
    public var role: MessageRole
    public var content: String
    public var status: MessageStatus
    public var provider: String?
    public var model: String?
    public var usage: TokenUsage?
    public var isFallback: Bool
    public var error: String?
    public var createdAt: Date
}

/// The answer of ``ChatStore/health()``.
public struct DatabaseHealth: Sendable, Equatable, Codable {
    /// `healthy` or `unhealthy`.
    public var status: String
    public var latencyMs: Double
    public var schemaVersion: String?
    public var error: String?

    public var isHealthy: Bool { status == "healthy" }
}

public enum StorageError: Error, Equatable, CustomStringConvertible {
    case notFound
    case cannotOpen(path: String, reason: String)

    public var description: String {
        switch self {
        case .notFound: "not found"
        case .cannotOpen(let path, let reason): "cannot open database \(path): \(reason)"
        }
    }
}
