import Foundation
import Logging
import Synchronization

/// HTTP client on libcurl: one dedicated thread drives a `curl_multi` handle for every
/// transfer of this transport, and each response arrives as an `AsyncThrowingStream`.
///
/// - Connections stay in the multi handle's pool, so sequential requests to one host reuse them.
/// - Cancelling the consuming task (or dropping the stream) aborts the transfer on the driver
///   thread and frees its curl handle; ``liveHandleCount`` shows none is left behind.
/// - The connect deadline is libcurl's; first-byte, idle and total are enforced by the driver
///   loop every ``CurlMultiDriver/tickMilliseconds``.
///
/// ```swift
/// let transport = HTTPTransport(logger: logger)
/// for try await part in transport.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:8080/")) {
///     if case .head(let head) = part { print(head.status) }
/// }
/// await transport.shutdown()
/// ```
public final class HTTPTransport: Sendable {
    private let mailbox = TransportMailbox()
    private let logger: Logger

    /// Starts the driver thread. `maxConnections` bounds the connection pool.
    public init(maxConnections: Int = 64, logger: Logger) {
        self.logger = logger
        let mailbox = self.mailbox
        let thread = Thread {
            do {
                let driver = try CurlMultiDriver(mailbox: mailbox, maxConnections: maxConnections, logger: logger)
                driver.run()
            } catch {
                logger.error("HTTP transport could not start", metadata: ["http.error": "\(error)"])
                for late in mailbox.detach() { late.continuation.finish(throwing: error) }
                mailbox.markFinished()
            }
        }
        thread.name = "oracle.llm.curl"
        thread.start()
    }

    deinit {
        mailbox.stop()
    }

    /// Sends `request`; the stream yields one `.head`, then body chunks, and ends with the
    /// transfer. It throws `LLMError` (`.timeout`, `.transport`, `.invalidResponse`, `.cancelled`).
    public func send(_ request: HTTPRequest) -> AsyncThrowingStream<HTTPResponsePart, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: HTTPResponsePart.self, throwing: (any Error).self)
        let mailbox = self.mailbox
        let idBox = TransferIDBox()
        continuation.onTermination = { reason in
            if case .cancelled = reason, let id = idBox.id { mailbox.cancel(id) }
        }
        if let id = mailbox.submit(request, continuation: continuation) {
            idBox.id = id
        } else {
            continuation.finish(throwing: LLMError.transport("HTTP transport shut down"))
        }
        return stream
    }

    /// Curl easy handles that exist right now (in flight, or not yet freed).
    public var liveHandleCount: Int { mailbox.counter.liveHandles }

    /// New connections libcurl opened over this transport's life; stays low when connections are reused.
    public var connectionsOpened: Int { mailbox.counter.connectionsOpened }

    /// Fails transfers still in flight, stops the driver thread and waits for it to let go of libcurl.
    public func shutdown() async {
        mailbox.stop()
        await mailbox.waitUntilFinished()
    }
}

/// The id is known only after submission, but `onTermination` must be set before it.
private final class TransferIDBox: Sendable {
    private let storage = Mutex<UInt64?>(nil)
    var id: UInt64? {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
