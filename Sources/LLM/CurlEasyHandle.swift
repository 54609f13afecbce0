import CCurl

/// Owns one libcurl easy handle (`CURL*`), its request-header list and its error buffer.
///
/// Not `Sendable`: it is created, used and closed on the ``CurlMultiDriver`` thread only.
/// `close()` is safe to call twice; `deinit` closes a handle that was left open so a bug
/// cannot leak it, and ``HTTPTransport/liveHandleCount`` lets tests prove none is left.
final class CurlEasyHandle {
    let raw: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// libcurl writes a human-readable reason here (`CURLOPT_ERRORBUFFER`); it must outlive the handle.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let counter: LiveHandleCounter
    private(set) var isClosed = false

    init(counter: LiveHandleCounter) throws(LLMError) {
        try CurlGlobal.ensureInitialised()
        guard let handle = curl_easy_init() else {
            throw .transport("curl_easy_init failed")
        }
        raw = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        self.counter = counter
        counter.opened()
        do {
            try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        } catch {
            close()
            throw error
        }
    }

    deinit {
        close()
    }

    func set(_ option: CURLoption, _ value: Int) throws(LLMError) {
        try check(ccurl_easy_setopt_long(raw, option, value), option)
    }

    func set(_ option: CURLoption, _ value: String) throws(LLMError) {
        // libcurl copies string options (since 7.17), so the temporary C string may go away.
        try check(value.withCString { ccurl_easy_setopt_string(raw, option, $0) }, option)
    }

    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws(LLMError) {
        try check(ccurl_easy_setopt_pointer(raw, option, pointer), option)
    }

    func set(_ option: CURLoption, callback: curl_write_callback) throws(LLMError) {
        try check(ccurl_easy_setopt_write_callback(raw, option, callback), option)
    }

    /// Copies `body` into libcurl (`CURLOPT_COPYPOSTFIELDS`), so nothing here must outlive the call.
    func setBody(_ body: [UInt8]) throws(LLMError) {
        try check(ccurl_easy_setopt_off_t(raw, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), CURLOPT_POSTFIELDSIZE_LARGE)
        let code = body.withUnsafeBytes { bytes in
            // An empty array may have no base address; libcurl still needs a valid pointer.
            ccurl_easy_setopt_pointer(raw, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafeRawPointer(errorBuffer)))
        }
        try check(code, CURLOPT_COPYPOSTFIELDS)
    }

    /// Replaces the request headers; the list is freed with the handle.
    func setHeaders(_ lines: [String]) throws(LLMError) {
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            guard let appended = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                throw .transport("out of memory building request headers")
            }
            list = appended
        }
        if let old = headerList { curl_slist_free_all(old) }
        headerList = list
        try check(ccurl_easy_setopt_slist(raw, CURLOPT_HTTPHEADER, list), CURLOPT_HTTPHEADER)
    }

    func info(_ item: CURLINFO) -> Int {
        var value = 0
        return ccurl_easy_getinfo_long(raw, item, &value) == CURLE_OK ? value : 0
    }

    func info(offset item: CURLINFO) -> Int64 {
        var value: curl_off_t = 0
        return ccurl_easy_getinfo_off_t(raw, item, &value) == CURLE_OK ? Int64(value) : 0
    }

    /// libcurl's reason for the last failure, or its generic text for `code`.
    func errorMessage(for code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        curl_easy_cleanup(raw)
        if let list = headerList { curl_slist_free_all(list) }
        headerList = nil
        errorBuffer.deallocate()
        counter.closed()
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws(LLMError) {
        guard code == CURLE_OK else {
            throw .transport("curl option \(option.rawValue) rejected: \(String(cString: curl_easy_strerror(code)))")
        }
    }
}
