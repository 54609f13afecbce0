import Foundation
import LLM
import Logging
import OracleCore
import Sessions
import Storage
import Synchronization

/// What the routes share: configuration, storage, the chat service and readiness.
public final class ServerState: Sendable {
    public let config: OracleConfig
    public let store: SQLiteStore
    public let chat: ChatService
    public let readiness = Readiness()
    public let startedAt = Date()

    public init(config: OracleConfig, store: SQLiteStore, provider: any LLMProvider, logger: Logger) {
        self.config = config
        self.store = store
        self.chat = ChatService(
            store: store, provider: provider,
            settings: .init(maxHistoryMessages: config.sessions.maxRecoveryHistoryMessages,
                            systemPrompt: config.llm.systemPrompt),
            logger: logger)
    }

    public var provider: any LLMProvider { chat.provider }
}

/// Whether the server should receive traffic: `/health/ready` answers 503 while starting
/// (before migrations) and while draining for shutdown.
public final class Readiness: Sendable {
    public enum Phase: String, Sendable { case starting, ready, draining }
    private let phase = Mutex(Phase.starting)

    public init() {}

    public var current: Phase { phase.withLock { $0 } }

    public func set(_ new: Phase) {
        phase.withLock { $0 = new }
    }
}
