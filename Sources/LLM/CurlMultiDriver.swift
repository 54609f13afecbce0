import CCurl
import Logging

/// The loop on the transport's dedicated thread: starts queued transfers, runs
/// `curl_multi_perform`, finishes completed ones, enforces first-byte/idle/total deadlines and
/// sleeps in `curl_multi_poll` (woken early by new work).
///
/// Not `Sendable`: it is created on the driver thread and never leaves it.
final class CurlMultiDriver {
    /// Deadlines are checked at least this often while transfers are running.
    static let tickMilliseconds = 25
    private static let idleWaitMilliseconds = 1000

    private let mailbox: TransportMailbox
    private let multi: CurlMultiHandle
    private let logger: Logger
    private var transfers: [UInt64: CurlTransfer] = [:]
    private var idsByHandle: [UnsafeMutableRawPointer: UInt64] = [:]

    init(mailbox: TransportMailbox, maxConnections: Int, logger: Logger) throws(LLMError) {
        self.mailbox = mailbox
        self.multi = try CurlMultiHandle(maxConnections: maxConnections)
        self.logger = logger
    }

    /// Runs until the mailbox says stop; then fails what is left and releases every handle.
    func run() {
        mailbox.attach(CurlWakeup(multi))
        while true {
            let inbox = mailbox.take()
            if inbox.stopping { break }
            for submission in inbox.submissions { start(submission) }
            for id in inbox.cancellations { abort(id, with: .cancelled) }
            multi.perform()
            for (easy, result) in multi.completedTransfers() {
                if let id = idsByHandle[easy] { finish(id, result: result) }
            }
            let now = ContinuousClock.now
            for (id, transfer) in transfers {
                if let missed = transfer.missedDeadline(at: now) { abort(id, with: missed) }
            }
            multi.poll(milliseconds: transfers.isEmpty ? Self.idleWaitMilliseconds : Self.tickMilliseconds)
        }
        for id in Array(transfers.keys) { abort(id, with: .transport("HTTP transport shut down")) }
        for late in mailbox.detach() { late.continuation.finish(throwing: LLMError.transport("HTTP transport shut down")) }
        multi.close()
        mailbox.markFinished()
    }

    private func start(_ submission: TransportMailbox.Submission) {
        let easy: CurlEasyHandle
        do {
            easy = try CurlEasyHandle(counter: mailbox.counter)
        } catch {
            submission.continuation.finish(throwing: error)
            return
        }
        let transfer = CurlTransfer(id: submission.id, easy: easy, continuation: submission.continuation,
                                    request: submission.request, now: .now)
        do {
            try configure(easy, for: submission.request, transfer: transfer)
            try multi.add(easy)
        } catch {
            easy.close()
            submission.continuation.finish(throwing: error)
            return
        }
        transfers[submission.id] = transfer
        idsByHandle[easy.raw] = submission.id
        logger.trace("HTTP transfer started", metadata: ["http.transfer.id": "\(submission.id)"])
    }

    private func configure(_ easy: CurlEasyHandle, for request: HTTPRequest, transfer: CurlTransfer) throws(LLMError) {
        try easy.set(CURLOPT_URL, request.url)
        // Signals cannot be used for timeouts on a thread that is not the main one.
        try easy.set(CURLOPT_NOSIGNAL, 1)
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, request.timeouts.connect.curlMilliseconds)
        // Our own total deadline fires first; this one only backs it up.
        try easy.set(CURLOPT_TIMEOUT_MS, request.timeouts.total.curlMilliseconds + 1000)
        try easy.set(CURLOPT_ACCEPT_ENCODING, "")
        if let agent = request.userAgent { try easy.set(CURLOPT_USERAGENT, agent) }
        if let body = request.body { try easy.setBody(body) }
        if request.method != "POST" || request.body == nil { try easy.set(CURLOPT_CUSTOMREQUEST, request.method) }
        // "Expect:" suppresses the 100-continue round trip libcurl adds for larger bodies.
        try easy.setHeaders(request.headers.map { "\($0.name): \($0.value)" } + ["Expect:"])
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        try easy.set(CURLOPT_WRITEFUNCTION, callback: curlBodyCallback)
        try easy.set(CURLOPT_WRITEDATA, pointer: context)
        try easy.set(CURLOPT_HEADERFUNCTION, callback: curlHeaderCallback)
        try easy.set(CURLOPT_HEADERDATA, pointer: context)
    }

    private func finish(_ id: UInt64, result: CURLcode) {
        // Status and error text are read before the easy handle is freed; the stream ends
        // after, so a consumer that sees the end also sees the handle gone.
        let failure = transfers[id]?.settle(result)
        release(id)?.end(failure)
    }

    private func abort(_ id: UInt64, with error: LLMError) {
        guard let transfer = release(id) else { return }
        logger.debug("HTTP transfer aborted", metadata: ["http.transfer.id": "\(id)", "http.error": "\(error)"])
        transfer.fail(error)
    }

    /// Takes the transfer out of the multi handle (its connection stays in the pool) and frees its easy handle.
    private func release(_ id: UInt64) -> CurlTransfer? {
        guard let transfer = transfers.removeValue(forKey: id) else { return nil }
        idsByHandle[transfer.easy.raw] = nil
        mailbox.counter.connected(transfer.easy.info(CURLINFO_NUM_CONNECTS))
        multi.remove(transfer.easy)
        transfer.easy.close()
        return transfer
    }
}

/// `CURLOPT_WRITEFUNCTION`: C cannot call a closure with context, so the transfer rides in `userdata`.
private let curlBodyCallback: curl_write_callback = { data, size, count, userdata in
    guard let userdata else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let bytes = UnsafeRawBufferPointer(start: data, count: size * count)
    return transfer.receiveBody(bytes, now: .now) ? size * count : 0
}

/// `CURLOPT_HEADERFUNCTION`: one call per header line.
private let curlHeaderCallback: curl_write_callback = { data, size, count, userdata in
    guard let userdata else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let bytes = UnsafeRawBufferPointer(start: data, count: size * count)
    return transfer.receiveHeaderLine(bytes) ? size * count : 0
}
