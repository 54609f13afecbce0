import Foundation
import GRDB
import OracleCore
import Testing
import TestSupport

/// Dates the store writes (`UTCTimestamp.sqlite`) must be the text GRDB writes for the same `Date`, or rows
/// written before and after would sort and compare differently.
@Suite struct StorageDateTests {
    @Test func matchesGRDBsText() throws {
        var generator = SeededGenerator(seed: 2)
        var dates = [Date(), Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 0.9999),
                     Date(timeIntervalSince1970: 951_782_400.5),      // 2000-02-29, leap day
                     Date(timeIntervalSince1970: 4_102_444_799.999)]  // 2099-12-31 23:59:59.999
        for _ in 0..<50_000 {
            dates.append(Date(timeIntervalSince1970: Double.random(in: 0..<4_102_444_800, using: &generator)))
        }
        for date in dates {
            let grdb = try #require(String.fromDatabaseValue(date.databaseValue))
            #expect(UTCTimestamp.sqlite(date) == grdb, "\(date.timeIntervalSince1970)")
        }
    }

    @Test func readsBackAsTheNearestMillisecond() throws {
        let date = Date(timeIntervalSince1970: 1_795_000_000.123_9)
        let read = try #require(Date.fromDatabaseValue(UTCTimestamp.sqlite(date).databaseValue))
        #expect(abs(read.timeIntervalSince1970 - 1_795_000_000.124) < 0.000_1)
    }
}
