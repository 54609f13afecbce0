extension String {
    /// The string if it has at most `maxBytes` UTF-8 bytes; otherwise its start, cut at a UTF-8
    /// character boundary (never inside a multi-byte character), followed by a marker that says
    /// how long it was — at most `maxBytes` bytes in all.
    ///
    /// ```swift
    /// String(repeating: "E", count: 10_000).limitedUTF8(to: 100)   // "EEE… … [cut: 10000 bytes in all]"
    /// ```
    public func limitedUTF8(to maxBytes: Int) -> String {
        let total = utf8.count
        guard total > maxBytes else { return self }
        let marker = " … [cut: \(total) bytes in all]"
        let keep = Swift.max(0, maxBytes - marker.utf8.count)
        var end = utf8.index(utf8.startIndex, offsetBy: keep)
        // Back to the first byte of the character that would be split.
        while end > utf8.startIndex, UTF8.isContinuation(utf8[end]) { end = utf8.index(before: end) }
        return String(decoding: utf8[..<end], as: UTF8.self) + marker
    }
}
