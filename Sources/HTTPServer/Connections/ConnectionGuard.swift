import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Holds one connection to its time limits and its request-line bound.
///
/// It sits first in the pipeline, on raw bytes, so it sees a client that sends half a request line
/// or nothing at all — cases the HTTP parser never reports — and can answer them (408, 414) without
/// the codec. ``RequestPhaseObserver``, behind the codec, tells it where each request stands.
/// Both run on the channel's event loop; the timer is NIO's, so nothing here sleeps.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var clock: ConnectionClock
    let counters: ConnectionCounters
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?
    private var stallTimer: Scheduled<Void>?
    private var scheduledFor: NIODeadline?
    /// Bytes of the current request line seen so far; nil once its end has arrived.
    private var requestLineBytes: Int? = 0
    /// Set once the connection is being closed by this handler: later input is dropped.
    private var closing = false
    /// The request line being read said HTTP/1.0.
    private(set) var requestIsHTTP10 = false
    /// Set once our side is shut after a final answer (``lingerThenClose()``).
    private var lingering = false
    /// Set by a graceful shutdown: answer what is in flight, accept nothing new.
    private(set) var draining = false
    /// Where a body timeout is thrown, so the handler reading the body sees it.
    weak var phases: RequestPhaseObserver?

    /// Where idle connections are registered for eviction; nil for an overflow connection.
    private let budget: ConnectionBudget?
    private var registeredIdle = false
    /// Made once per connection: registering as idle happens after every answer.
    private var evictAction: (@Sendable () -> Void)?

    /// This connection's place in the budget's count.
    private let slot: ConnectionBudget.Slot
    private let lingerBudget: ConnectionBudget
    /// Bytes received while the current request's body is being read.
    private var bodyWireBytes = 0

    init(limits: ConnectionClock.Limits, counters: ConnectionCounters, budget: ConnectionBudget?,
         slot: ConnectionBudget.Slot, lingerBudget: ConnectionBudget) {
        clock = ConnectionClock(limits: limits, openedAt: .now())
        self.counters = counters
        self.budget = budget
        self.slot = slot
        self.lingerBudget = lingerBudget
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { reschedule() }
        updateIdleRegistration()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        stallTimer?.cancel()
        stallTimer = nil
        closing = true
        updateIdleRegistration()
        evictAction = nil  // it holds this handler: the cycle ends with the connection
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        updateIdleRegistration()
        context.fireChannelInactive()
    }

    /// Keeps the budget's idle list in step: a connection with no request in progress may be
    /// closed to make room for a newcomer when the server is full.
    private func updateIdleRegistration() {
        guard let budget else { return }
        let evictable = !closing && clock.unanswered == 0 && clock.isReadingHead
        guard evictable != registeredIdle, let context else { return }
        registeredIdle = evictable
        let id = ObjectIdentifier(self)
        if evictable {
            if evictAction == nil {
                let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
                evictAction = { bound.eventLoop.execute { bound.value.evictIfIdle() } }
            }
            budget.markIdle(id, evict: evictAction!)
        } else {
            budget.markBusy(id)
        }
    }

    /// Closes the connection to make room, unless a request has arrived on it meanwhile.
    private func evictIfIdle() {
        registeredIdle = false
        guard !closing, clock.unanswered == 0, clock.isReadingHead else { return updateIdleRegistration() }
        close()
    }

    func channelActive(context: ChannelHandlerContext) {
        reschedule()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        let buffer = unwrapInboundIn(data)
        clock.bytesReceived(at: .now())
        if connectionIsReadingBody {
            bodyWireBytes += buffer.readableBytes
            if bodyWireBytes > clock.limits.maxBodyWireBytes {
                // Chunk extensions and trailers count toward no limit of NIO's: cut the body off here.
                counters.rejected(reason: "body")
                closing = true
                phases?.failBody(NIOTooManyBytesError(maxBytes: clock.limits.maxBodyBytes))
                return
            }
        }
        if clock.isReadingHead, let seen = requestLineBytes {
            if let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                requestLineBytes = nil
                // The line's length without its line ending.
                let carriageReturn = newline > buffer.readerIndex
                    && buffer.getInteger(at: newline - 1, as: UInt8.self) == UInt8(ascii: "\r")
                if seen + newline - buffer.readerIndex - (carriageReturn ? 1 : 0) > ProtocolRejection.maxRequestLineBytes {
                    return reject(ProtocolRejection.requestLineTooLong, reason: "request_line")
                }
                // The HTTP/1.1 codec hands on no version; HTTP/1.0 without keep-alive means one request.
                let ending = buffer.readableBytesView[max(buffer.readerIndex, newline - 9)..<newline]
                requestIsHTTP10 = ending.firstRange(of: Self.http10) != nil
            } else {
                requestLineBytes = seen + buffer.readableBytes
                if seen + buffer.readableBytes > ProtocolRejection.maxRequestLineBytes {
                    return reject(ProtocolRejection.requestLineTooLong, reason: "request_line")
                }
            }
        }
        reschedule()
        context.fireChannelRead(data)
    }

    /// A client that stops reading fills the socket buffer, and the handler writing to it waits
    /// (backpressure); past `limits.writeStall` without room, the connection is closed.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            stallTimer?.cancel()
            stallTimer = nil
        } else if stallTimer == nil, !closing {
            stallTimer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: clock.limits.writeStall) { [self] in
                stallTimer = nil
                counters.timedOut(phase: "write")
                close()
            }
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Events from RequestPhaseObserver

    /// The last answer is being written: no time limit may answer again; input is dropped.
    func stopTimers() {
        closing = true
        timer?.cancel()
        timer = nil
    }

    private var connectionIsReadingBody: Bool {
        if case .readingBody = clock.phase { return true }
        return false
    }

    func headReceived() {
        clock.headReceived(at: .now())
        requestLineBytes = 0
        bodyWireBytes = 0
        reschedule()
        updateIdleRegistration()
    }

    func requestEnded() {
        clock.requestEnded(at: .now())
        reschedule()
        updateIdleRegistration()
    }

    /// A request's head has arrived and the handler is reading its body.
    var isReadingBody: Bool {
        if case .readingBody = clock.phase { return true }
        return false
    }

    var hasUnansweredRequest: Bool { clock.unanswered > 0 }

    /// Returns true when the connection should close now that this response is out.
    func responseEnded() -> Bool {
        clock.responseEnded(at: .now())
        reschedule()
        updateIdleRegistration()
        return draining && clock.isIdle
    }

    /// Graceful shutdown: a connection with no request in it closes now; one with a request
    /// finishes that answer (marked `Connection: close`) and then closes.
    func drain() {
        draining = true
        if clock.unanswered == 0, clock.isReadingHead { close() }
    }

    // MARK: Timer

    /// Keeps one timer at or before the running limit's end. A limit that ends later or not at
    /// all (most phase changes of a request) leaves the timer as it is: when it fires early,
    /// ``expire()`` finds nothing due and sets it again. So a request costs no timer work in the
    /// common case, where cancelling and scheduling on every phase change cost ~15 % of a
    /// `GET /health/live` (GatewayBench).
    private func reschedule() {
        guard let context, !closing, let deadline = clock.deadline else { return }
        if let scheduledFor, scheduledFor <= deadline { return }
        timer?.cancel()
        scheduledFor = deadline
        timer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: deadline) { [self] in
            scheduledFor = nil
            timer = nil
            expire()
        }
    }

    private func expire() {
        switch clock.expiry(at: .now()) {
        case nil:
            reschedule()
        case .closeIdle:
            counters.timedOut(phase: "keep_alive")
            close()
        case .headTimedOut:
            counters.timedOut(phase: "head")
            reject(ProtocolRejection.headTimeout, reason: nil)
        case .bodyTimedOut:
            counters.timedOut(phase: "body")
            // Answered with 408 at once when nothing else is being answered; the handler's body
            // read fails either way. Otherwise a handler that does not answer is cut off after a
            // grace period.
            phases?.timeOutBody(onlyRequest: clock.unanswered == 1)
            closing = true
            guard let context else { return }
            context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: Self.answerGrace) { [self] in
                self.context?.close(promise: nil)
            }
        }
    }

    // MARK: Closing

    /// Answers beneath the codec and closes, when no other answer is on its way (else just closes).
    func rejectBeneathCodec(_ error: APIError) {
        guard clock.unanswered == 0 else { return close() }
        reject(error, reason: nil)
    }

    /// Answers beneath the codec and closes: only while no request head has been parsed.
    private func reject(_ error: APIError, reason: String?) {
        guard let context, !closing else { return }
        closing = true
        timer?.cancel()
        if let reason { counters.rejected(reason: reason) }
        let bytes = ProtocolRejection.rawResponse(error, allocator: context.channel.allocator)
        context.writeAndFlush(wrapOutboundOut(bytes)).whenComplete { [self] _ in lingerThenClose() }
    }

    /// Closes after a final answer while the client may still be sending. Closing at once with
    /// unread input makes the kernel reset the connection, which can destroy the answer before
    /// the client reads it; so shut our side, drop whatever arrives, and close once the client
    /// does or ``lingerLimit`` has passed.
    func lingerThenClose() {
        guard let context, !lingering else { return }
        closing = true
        timer?.cancel()
        timer = nil
        updateIdleRegistration()
        // Too many lingering already: close now and accept that this answer may be reset.
        guard lingerBudget.beginLinger() else { return context.close(promise: nil) }
        lingering = true
        slot.release()
        let budget = lingerBudget
        context.channel.closeFuture.whenComplete { _ in budget.endLinger() }
        context.close(mode: .output, promise: nil)
        context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: Self.lingerLimit) { [self] in
            self.context?.close(promise: nil)
        }
    }

    static let lingerLimit = TimeAmount.seconds(2)
    private static let http10 = Array("HTTP/1.0".utf8)
    /// How long a handler whose body timed out has to write its 408 before the connection closes.
    static let answerGrace = TimeAmount.seconds(10)

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if lingering, case ChannelEvent.inputClosed = event {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func close() {
        guard let context, !closing else { return }
        closing = true
        timer?.cancel()
        updateIdleRegistration()
        context.close(promise: nil)
    }
}

/// Behind the HTTP codec: reports each request's head and end, and each response's end, to the
/// ``ConnectionGuard``; marks responses `Connection: close` when the connection will close after
/// them; and answers what must not reach a route handler:
/// - a request NIO's parser refuses gets the JSON error of ``ProtocolRejection/apiError(for:)``
///   instead of Hummingbird's empty 400 (a body the handler is reading fails instead, and the
///   handler's error middleware answers the same JSON);
/// - on an overflow connection (past `MAX_CONNECTIONS`), anything but `/health/live` gets 503.
final class RequestPhaseObserver: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let connection: ConnectionGuard
    private let overflow: Bool
    private var context: ChannelHandlerContext?
    /// The response being written said `Connection: close`, or shutdown began while it was pending.
    private var closeAfterResponse = false
    /// A parser error that arrived while a response was being written: answered after it.
    private var pendingRejection: APIError?
    /// Set once this handler answered and closes: later input is dropped.
    private var finished = false
    /// A response head for the current request has gone out and its end has not.
    private var responseInProgress = false
    /// This handler wrote the connection's last answer itself (a body timeout): whatever the
    /// route's handler writes afterwards is dropped.
    private var answeredForTheHandler = false

    private let maxBodyBytes: Int

    init(connection: ConnectionGuard, overflow: Bool, maxBodyBytes: Int) {
        self.connection = connection
        self.overflow = overflow
        self.maxBodyBytes = maxBodyBytes
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        connection.phases = self
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finished else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            if head.method == .connect {
                // NIO's encoder sends no body after a CONNECT (it would be a tunnel), so the JSON
                // error goes beneath the codec; the connection then closes.
                finished = true
                return connection.rejectBeneathCodec(ProtocolRejection.connectRefused)
            }
            if let refusal = refusal(of: head) {
                // Answered here, so the head never reaches a handler; if earlier pipelined
                // requests are still being answered, the refusal waits for them.
                if connection.hasUnansweredRequest { pendingRejection = refusal; finished = true; return }
                return answerAndClose(refusal, context: context)
            }
            if connection.requestIsHTTP10, !Self.says(head.headerFields[.connection], "keep-alive") {
                closeAfterResponse = true
            }
            connection.headReceived()
            if Self.says(head.headerFields[.expect], "100-continue") {
                // The client waits for this before it sends the body (its length already passed).
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
            }
        case .body: break
        case .end: connection.requestEnded()
        }
        context.fireChannelRead(data)
    }

    /// What is answered at once, without a handler: an overflow connection asking anything but
    /// liveness; a URL past the request-line bound (pipelined requests escape the byte-level
    /// check); a declared body past `MAX_BODY_BYTES`, even on a route that reads none.
    private func refusal(of head: HTTPRequest) -> APIError? {
        if overflow, !Self.isLivenessProbe(head) { return ProtocolRejection.tooManyConnections }
        if (head.path?.utf8.count ?? 0) > ProtocolRejection.maxRequestLineBytes { return ProtocolRejection.requestLineTooLong }
        if let declared = head.headerFields[.contentLength].flatMap(Int.init), declared > maxBodyBytes {
            return ProtocolRejection.bodyTooLarge
        }
        return nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else { return context.fireErrorCaught(error) }
        connection.counters.rejected(reason: "parser")
        let rejection = ProtocolRejection.apiError(for: parserError)
        if connection.isReadingBody {
            // The handler is reading this body: its read throws and its error middleware answers.
            context.fireErrorCaught(error)
        } else if connection.hasUnansweredRequest {
            // A response is on its way; the rejection follows it.
            pendingRejection = rejection
            finished = true
        } else {
            answerAndClose(rejection, context: context)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if answeredForTheHandler {
            promise?.succeed(())
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(var head):
            responseInProgress = true
            // An overflow connection answers its one liveness probe and closes.
            if closeAfterResponse || overflow || connection.draining
                || Self.says(head.headerFields[.connection], "close") {
                closeAfterResponse = true
                head.headerFields[.connection] = "close"
                context.write(wrapOutboundOut(.head(head)), promise: promise)
            } else {
                context.write(data, promise: promise)
            }
        case .body:
            context.write(data, promise: promise)
        case .end:
            responseInProgress = false
            let idle = connection.responseEnded()
            let closeNow = idle || closeAfterResponse
            closeAfterResponse = false
            if closeNow {
                // This answer said Connection: close: it is the last, a pending rejection included.
                pendingRejection = nil
                return context.writeAndFlush(data, promise: closing(after: promise, context: context))
            }
            guard let pendingRejection, !connection.hasUnansweredRequest else { return context.write(data, promise: promise) }
            // Every request read before the broken one is answered: now the rejection, and close.
            self.pendingRejection = nil
            context.write(data, promise: promise)
            writeRejection(pendingRejection, context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            connection.drain()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// The body did not arrive in time. When this is the one request being answered and no
    /// response has started, the 408 goes out from here at once: the route's handler may not be
    /// reading the body yet (on a loaded machine it may not even have taken the head), and an
    /// error it never sees would leave the client with a silent close. The body read fails
    /// either way, so the handler stops.
    func timeOutBody(onlyRequest: Bool) {
        if onlyRequest, !responseInProgress, !finished, let context {
            finished = true
            writeRejection(ProtocolRejection.bodyTimeout, context: context)
            answeredForTheHandler = true
        }
        failBody(RequestBodyTimeout())
    }

    /// Fails the request stream the route is reading, so its body read throws `error`.
    func failBody(_ error: any Error) {
        context?.fireErrorCaught(error)
    }

    private func answerAndClose(_ error: APIError, context: ChannelHandlerContext) {
        finished = true
        writeRejection(error, context: context)
    }

    /// Writes `error` as the connection's last response, then closes.
    private func writeRejection(_ error: APIError, context: ChannelHandlerContext) {
        connection.stopTimers()
        let body = error.jsonBody
        var fields = error.headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.contentLength] = String(body.readableBytes)
        fields[.connection] = "close"
        context.write(wrapOutboundOut(.head(HTTPResponse(status: error.status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: closing(after: nil, context: context))
    }

    /// A promise for a response's last write that, once it has gone out, closes the connection
    /// (and completes the writer's own promise, if any).
    private func closing(after promise: EventLoopPromise<Void>?, context: ChannelHandlerContext) -> EventLoopPromise<Void> {
        let connection = self.connection
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenComplete { _ in connection.lingerThenClose() }
        if let promise { written.futureResult.cascade(to: promise) }
        return written
    }

    /// A header value equal to `token` (lower-case ASCII), ignoring case, without allocating.
    private static func says(_ value: String?, _ token: StaticString) -> Bool {
        guard let value, value.utf8.count == token.utf8CodeUnitCount else { return false }
        return token.withUTF8Buffer { expected in
            zip(value.utf8, expected).allSatisfy { byte, lower in byte | 0x20 == lower || byte == lower }
        }
    }

    private static func isLivenessProbe(_ head: HTTPRequest) -> Bool {
        (head.method == .get || head.method == .head) && head.path?.split(separator: "?").first == "/health/live"
    }
}
