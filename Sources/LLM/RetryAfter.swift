import Foundation

/// Reads the delay an upstream asks for before the next attempt.
enum RetryAfter {
    /// `retry-after-ms`, then `Retry-After` (delta-seconds or HTTP-date), then Gemini's
    /// `error.details[] RetryInfo.retryDelay` in the body.
    static func delay(head: HTTPResponseHead, body: [UInt8], now: Date = Date()) -> Duration? {
        if let millis = head.value(for: "retry-after-ms").flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }), millis >= 0 {
            return .milliseconds(Int64(millis.rounded(.up)))
        }
        if let value = head.value(for: "retry-after"), let delay = parse(retryAfter: value, now: now) {
            return delay
        }
        return geminiRetryDelay(body: body)
    }

    static func parse(retryAfter value: String, now: Date) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed), seconds >= 0 {
            return .milliseconds(Int64((seconds * 1000).rounded(.up)))
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return .milliseconds(Int64(max(0, date.timeIntervalSince(now)) * 1000))
    }

    /// `{"error": {"details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1.5s"}]}}`
    static func geminiRetryDelay(body: [UInt8]) -> Duration? {
        for text in UpstreamErrorBody.read(body)?.retryDelays ?? [] {
            guard text.hasSuffix("s"), let seconds = Double(text.dropLast()), seconds >= 0 else { continue }
            return .milliseconds(Int64((seconds * 1000).rounded(.up)))
        }
        return nil
    }
}
