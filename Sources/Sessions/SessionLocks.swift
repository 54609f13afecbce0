import OracleCore

/// One async lock per session id: messages to one session run one after another, in arrival
/// order, while different sessions run in parallel. A holder must call `release(_:)` exactly
/// once; a streamed reply holds the lock until its stream ends.
///
/// ```swift
/// try await locks.withLock(sessionID) { try await send() }
/// ```
public typealias SessionLocks = KeyedAsyncLock<String>
