import Foundation
import OracleCore
import Testing
import TestSupport

@Suite struct UTCTimestampTests {
    /// The API's dates are the text `Date.ISO8601FormatStyle` wrote before, to the character.
    @Test func iso8601MatchesFoundationsStyle() {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        var generator = SeededGenerator(seed: 1)
        var dates = [Date(), Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 0.9999),
                     Date(timeIntervalSince1970: 951_782_400.5), Date(timeIntervalSince1970: 4_102_444_799.999)]
        for _ in 0..<50_000 {
            dates.append(Date(timeIntervalSince1970: Double.random(in: 0..<4_102_444_800, using: &generator)))
        }
        for date in dates {
            #expect(UTCTimestamp.iso8601(date) == style.format(date), "\(date.timeIntervalSince1970)")
        }
    }
}
