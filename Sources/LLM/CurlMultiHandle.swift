import CCurl

/// Owns the libcurl multi handle (`CURLM*`) that drives every transfer of one ``HTTPTransport``
/// and keeps their connections in its pool, so sequential requests reuse them.
///
/// Not `Sendable`: only the ``CurlMultiDriver`` thread calls it. The one call libcurl allows
/// from other threads, `curl_multi_wakeup`, goes through ``CurlWakeup`` instead.
final class CurlMultiHandle {
    let raw: UnsafeMutableRawPointer
    private(set) var isClosed = false

    init(maxConnections: Int) throws(LLMError) {
        try CurlGlobal.ensureInitialised()
        guard let handle = curl_multi_init() else {
            throw .transport("curl_multi_init failed")
        }
        raw = handle
        _ = ccurl_multi_setopt_long(raw, CURLMOPT_MAXCONNECTS, maxConnections)
    }

    deinit {
        close()
    }

    func add(_ easy: CurlEasyHandle) throws(LLMError) {
        let code = curl_multi_add_handle(raw, easy.raw)
        guard code == CURLM_OK else {
            throw .transport("curl_multi_add_handle failed: \(String(cString: curl_multi_strerror(code)))")
        }
    }

    func remove(_ easy: CurlEasyHandle) {
        _ = curl_multi_remove_handle(raw, easy.raw)
    }

    /// Runs every transfer as far as it can go without blocking.
    func perform() {
        var running: Int32 = 0
        _ = curl_multi_perform(raw, &running)
    }

    /// Waits for socket activity, a wake-up, or `milliseconds`.
    func poll(milliseconds: Int) {
        var ready: Int32 = 0
        _ = curl_multi_poll(raw, nil, 0, Int32(milliseconds), &ready)
    }

    /// Finished transfers since the last call: the easy handle and its result.
    func completedTransfers() -> [(easy: UnsafeMutableRawPointer, result: CURLcode)] {
        var done: [(UnsafeMutableRawPointer, CURLcode)] = []
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(raw, &remaining) {
            if message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle {
                done.append((easy, ccurl_msg_result(message)))
            }
        }
        return done
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        curl_multi_cleanup(raw)
    }
}
