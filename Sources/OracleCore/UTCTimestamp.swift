import Foundation

/// Dates as text, in UTC to the millisecond, for the two places that write one per message:
/// the database (GRDB's format) and the API's JSON (ISO 8601).
///
/// GRDB writes a `Date` through an ICU `DateFormatter`, and `Date.ISO8601FormatStyle` is not
/// cheap either; both took a visible share of a message send. These write the same text
/// directly, held to those formatters' output by tests (StorageDateTests, UTCTimestampTests).
///
/// ```swift
/// UTCTimestamp.sqlite(date)    // "2026-11-22 21:10:00.123"
/// UTCTimestamp.iso8601(date)   // "2026-11-22T21:10:00.123Z"
/// ```
public enum UTCTimestamp {
    /// `yyyy-MM-dd HH:mm:ss.SSS`, as GRDB stores a `Date`: to the nearest millisecond since
    /// 1970, like its formatter.
    public static func sqlite(_ date: Date) -> String {
        text(milliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded()), separator: " ", suffix: nil)
    }

    /// `yyyy-MM-ddTHH:mm:ss.SSSZ`, as `Date.ISO8601FormatStyle(includingFractionalSeconds: true)`
    /// writes it: like that style, the fraction of the second since the reference date, cut to
    /// milliseconds (computed from 1970 instead, one date in ~5000 lands on the next millisecond).
    public static func iso8601(_ date: Date) -> String {
        let sinceReference = date.timeIntervalSinceReferenceDate
        let second = sinceReference.rounded(.down)
        let milliseconds = (Int64(second) + Int64(Date.timeIntervalBetween1970AndReferenceDate)) * 1000
            + Int64((sinceReference - second) * 1000)
        return text(milliseconds: milliseconds, separator: "T", suffix: "Z")
    }

    private static func text(milliseconds: Int64, separator: Character, suffix: Character?) -> String {
        var (seconds, millis) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        if millis < 0 { seconds -= 1; millis += 1000 }
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(unsafeUninitializedCapacity: 24) { buffer in
            var index = 0
            func put(_ value: Int, digits: Int) {
                var rest = value
                for position in stride(from: index + digits - 1, through: index, by: -1) {
                    buffer[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                index += digits
            }
            func put(_ character: Character) { buffer[index] = character.asciiValue!; index += 1 }
            put(Int(parts.tm_year) + 1900, digits: 4); put("-"); put(Int(parts.tm_mon) + 1, digits: 2); put("-")
            put(Int(parts.tm_mday), digits: 2); put(separator); put(Int(parts.tm_hour), digits: 2); put(":")
            put(Int(parts.tm_min), digits: 2); put(":"); put(Int(parts.tm_sec), digits: 2); put(".")
            put(Int(millis), digits: 3)
            if let suffix { put(suffix) }
            return index
        }
    }
}
