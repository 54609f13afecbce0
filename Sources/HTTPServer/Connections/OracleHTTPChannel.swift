import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1.1 child channel with the limits a public server needs: each connection
/// guarded by ``ConnectionGuard`` (head, body and keep-alive time limits, request-line bound),
/// admitted by ``ConnectionBudget``, with stricter header bounds for the parser, and every
/// parser rejection answered as the project's JSON error (``RequestPhaseObserver``) rather than
/// Hummingbird's empty 400.
///
/// ```swift
/// Application(router: router, server: OracleHTTPChannel.builder(limits: limits, budget: budget))
/// ```
struct OracleHTTPChannel: ServerChildChannel, HTTPChannelHandler {
    struct Value: ServerChildChannelValue {
        let channel: any Channel
        /// Nil for a connection refused before any handler was set up.
        let http: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>?
        let admission: ConnectionBudget.Admission
    }

    let responder: HTTPChannelHandler.Responder
    let limits: ConnectionClock.Limits
    let budget: ConnectionBudget

    static func builder(limits: ConnectionClock.Limits, budget: ConnectionBudget) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in OracleHTTPChannel(responder: responder, limits: limits, budget: budget) }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let admission = budget.admit()
        let budget = self.budget
        let slot = budget.slot()
        channel.closeFuture.whenComplete { _ in slot.release() }
        return channel.eventLoop.makeCompletedFuture {
            if admission == .refused {
                // Answered before reading a byte: no parser, no task, the descriptor back at once.
                let bytes = ProtocolRejection.rawResponse(ProtocolRejection.tooManyConnections, allocator: channel.allocator)
                channel.writeAndFlush(bytes).whenComplete { _ in channel.close(promise: nil) }
                return Value(channel: channel, http: nil, admission: admission)
            }
            var limits = self.limits
            // An overflow connection gets one short chance to ask for /health/live.
            if admission == .overflow { limits.head = min(limits.head, limits.overflowHead) }
            let connection = ConnectionGuard(limits: limits, counters: budget.counters,
                                             budget: admission == .served ? budget : nil, slot: slot, lingerBudget: budget)
            let sync = channel.pipeline.syncOperations
            try sync.addHandler(connection)
            var decoderLimits = NIOHTTPDecoderLimitConfiguration()
            decoderLimits.maxHeaderFieldSize = ProtocolRejection.maxHeaderFieldBytes
            decoderLimits.maxHeaderListSize = ProtocolRejection.maxHeaderListBytes
            decoderLimits.maxHeaderFieldCount = ProtocolRejection.maxHeaderCount
            try sync.configureHTTPServerPipeline(
                withPipeliningAssistance: false,  // NIOAsyncChannel reads one request at a time
                withErrorHandling: false,  // parser errors reach `handle`, which answers them
                withOutboundHeaderValidation: false,  // swift-http-types validates fields already
                withEncoderConfiguration: .init(),
                withDecoderLimitConfiguration: decoderLimits)
            try sync.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try sync.addHandler(RequestPhaseObserver(connection: connection, overflow: admission == .overflow,
                                                     maxBodyBytes: limits.maxBodyBytes))
            let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
            return Value(channel: channel, http: http, admission: admission)
        }
    }

    func handle(value: Value, logger: Logger) async {
        guard let http = value.http else { return }
        // Hummingbird's request loop; protocol errors and overflow are answered in the pipeline
        // (ConnectionGuard, RequestPhaseObserver) before they reach it.
        await withTaskCancellationHandler {
            await handleHTTP(asyncChannel: http, logger: logger)
        } onCancel: {
            // Past the shutdown drain limit: close the whole connection, not only its input.
            http.channel.close(promise: nil)
        }
    }
}
