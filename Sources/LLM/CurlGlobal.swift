import CCurl

/// `curl_global_init` must run once per process before any other libcurl call and is not
/// thread-safe, so it lives behind a lazily initialised global (Swift runs it exactly once).
enum CurlGlobal {
    private static let initResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    /// Call before creating any curl handle.
    static func ensureInitialised() throws(LLMError) {
        guard initResult == CURLE_OK else {
            throw .transport("libcurl global initialisation failed (code \(initResult.rawValue))")
        }
    }
}
