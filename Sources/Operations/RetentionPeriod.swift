import Foundation

/// A retention period as operators write it: `30d`, `12h`, `90m`, `3600s`.
///
/// ```swift
/// try RetentionPeriod.parse("30d").seconds   // 2_592_000
/// ```
public struct RetentionPeriod: Sendable, Equatable, CustomStringConvertible {
    public let seconds: Int
    public let text: String

    public var duration: Duration { .seconds(seconds) }
    public var description: String { text }

    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public let input: String
        public let reason: String
        public var description: String { "invalid period \"\(input)\": \(reason); write a whole number with d, h, m or s, e.g. 30d, 12h, 90m, 3600s" }
    }

    public static func parse(_ raw: String) throws(Invalid) -> RetentionPeriod {
        let text = raw.trimmingCharacters(in: .whitespaces).lowercased()
        guard let unit = text.last else { throw Invalid(input: raw, reason: "empty") }
        guard let multiplier = ["d": 86_400, "h": 3_600, "m": 60, "s": 1][String(unit)] else {
            throw Invalid(input: raw, reason: unit.isNumber ? "missing unit" : "unknown unit \"\(unit)\"")
        }
        let digits = text.dropLast()
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let count = Int(digits) else {
            throw Invalid(input: raw, reason: "\"\(digits)\" is not a whole number")
        }
        guard count > 0 else { throw Invalid(input: raw, reason: "must be greater than zero") }
        let (seconds, overflow) = count.multipliedReportingOverflow(by: multiplier)
        guard !overflow, seconds <= 100 * 365 * 86_400 else { throw Invalid(input: raw, reason: "longer than 100 years") }
        return RetentionPeriod(seconds: seconds, text: text)
    }

    init(seconds: Int, text: String) {
        self.seconds = seconds
        self.text = text
    }
}
