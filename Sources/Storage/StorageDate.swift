import Foundation

/// Dates as the database stores them: GRDB's text format, `yyyy-MM-dd HH:mm:ss.SSS` in UTC.
///
/// GRDB writes a `Date` through an ICU `DateFormatter`, which took a visible share of a message
/// send (two dates per message). This writes the same text directly; StorageDateTests holds it
/// to GRDB's output, and GRDB reads both back alike.
///
/// ```swift
/// try db.execute(sql: "UPDATE sessions SET updated_at = ?", arguments: [StorageDate.text(Date())])
/// ```
enum StorageDate {
    static func text(_ date: Date) -> String {
        // Like Foundation's formatter: the instant to the nearest millisecond.
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, millis) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        var time = time_t(millis < 0 ? seconds - 1 : seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(unsafeUninitializedCapacity: 23) { buffer in
            var index = 0
            func put(_ value: Int32, digits: Int) {
                var rest = Int(value)
                for position in stride(from: index + digits - 1, through: index, by: -1) {
                    buffer[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                index += digits
            }
            func put(_ separator: Character) { buffer[index] = separator.asciiValue!; index += 1 }
            put(parts.tm_year + 1900, digits: 4); put("-"); put(parts.tm_mon + 1, digits: 2); put("-")
            put(parts.tm_mday, digits: 2); put(" "); put(parts.tm_hour, digits: 2); put(":")
            put(parts.tm_min, digits: 2); put(":"); put(parts.tm_sec, digits: 2); put(".")
            put(Int32(millis < 0 ? millis + 1000 : millis), digits: 3)
            return index
        }
    }
}
