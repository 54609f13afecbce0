import NIOCore

/// Where one HTTP/1.1 connection stands, and so which of its time limits runs.
///
/// A pure state machine: every event carries the time it happened, and ``deadline`` says when the
/// running limit ends, so tests drive it with made-up instants and no sleeping.
///
/// ```swift
/// var clock = ConnectionClock(limits: limits, openedAt: now)   // head limit runs from the accept
/// clock.headReceived(at: later)                                 // body limit from here
/// clock.deadline   // → later + bodyTimeout
/// ```
struct ConnectionClock {
    struct Limits: Equatable {
        var head: TimeAmount
        var body: TimeAmount
        var keepAlive: TimeAmount
        /// How long a response may wait for a client that reads nothing (kept by ConnectionGuard).
        var writeStall: TimeAmount = .seconds(30)
        /// `MAX_BODY_BYTES`: checked against `Content-Length` and, on the wire, against what a
        /// body sends with its framing (kept by ConnectionGuard and RequestPhaseObserver).
        var maxBodyBytes: Int = 1 << 20
        /// The head limit of an overflow connection (past `MAX_CONNECTIONS`, liveness only):
        /// short, so such connections free their place soon (tests lengthen it to hold them).
        var overflowHead: TimeAmount = .seconds(2)

        /// Bytes a body may take on the wire, chunk framing, extensions and trailers included:
        /// generous for tiny chunks, but bounded, since NIO's parser counts none of that framing.
        var maxBodyWireBytes: Int { maxBodyBytes * 8 + 64 * 1024 }
    }

    enum Phase: Equatable {
        /// No byte of the next request yet: the keep-alive limit runs (on a fresh connection, the
        /// head limit: a client that connects and sends nothing is a slow head, not an idle one).
        case waiting(since: NIODeadline, limit: Limit)
        /// Some bytes of a request, its head not yet complete.
        case readingHead(since: NIODeadline)
        /// Head complete, body not yet at its end.
        case readingBody(since: NIODeadline)
        /// The request is read; the handler is answering. No limit: a streamed reply may be long,
        /// and the handler bounds its own work.
        case answering
    }

    enum Limit: Equatable { case head, keepAlive }

    /// What to do when ``deadline`` has passed.
    enum Expiry: Equatable {
        /// Nothing was asked: close without a word.
        case closeIdle
        /// The head did not arrive in time: answer 408 outside the HTTP codec, then close.
        case headTimedOut
        /// The body did not arrive in time: fail the body the handler is reading (it answers 408).
        case bodyTimedOut
    }

    let limits: Limits
    private(set) var phase: Phase
    /// Requests whose head has arrived and whose response has not ended (pipelining allows more than one).
    private(set) var unanswered = 0

    init(limits: Limits, openedAt: NIODeadline) {
        self.limits = limits
        phase = .waiting(since: openedAt, limit: .head)
    }

    /// When the running limit ends, or nil when none runs.
    var deadline: NIODeadline? {
        switch phase {
        case .waiting(let since, .head), .readingHead(let since): since + limits.head
        case .waiting(let since, .keepAlive): since + limits.keepAlive
        case .readingBody(let since): since + limits.body
        case .answering: nil
        }
    }

    /// True while no request is partly read or being answered: a drain may close such a connection at once.
    var isIdle: Bool {
        if case .waiting = phase { return unanswered == 0 }
        return false
    }

    /// True while the request head is still coming in, so bytes belong to a request line or headers.
    var isReadingHead: Bool {
        switch phase {
        case .waiting, .readingHead: true
        case .readingBody, .answering: false
        }
    }

    mutating func bytesReceived(at now: NIODeadline) {
        if case .waiting(_, .keepAlive) = phase { phase = .readingHead(since: now) }
    }

    mutating func headReceived(at now: NIODeadline) {
        unanswered += 1
        phase = .readingBody(since: now)
    }

    mutating func requestEnded(at now: NIODeadline) {
        // Its response may already be written (an early 4xx): then the connection waits for the next.
        phase = unanswered == 0 ? .waiting(since: now, limit: .keepAlive) : .answering
    }

    mutating func responseEnded(at now: NIODeadline) {
        unanswered = max(0, unanswered - 1)
        // A response written before its request was read (an early 4xx) leaves the body limit running.
        if case .answering = phase, unanswered == 0 { phase = .waiting(since: now, limit: .keepAlive) }
    }

    /// What the passing of ``deadline`` means, or nil if it has not passed (the timer fired early or
    /// the phase moved on since it was set).
    func expiry(at now: NIODeadline) -> Expiry? {
        guard let deadline, now >= deadline else { return nil }
        switch phase {
        case .waiting(_, .keepAlive): return .closeIdle
        case .waiting(_, .head), .readingHead: return .headTimedOut
        case .readingBody: return .bodyTimedOut
        case .answering: return nil
        }
    }
}
