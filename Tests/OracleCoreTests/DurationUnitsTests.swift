import OracleCore
import Testing

@Suite struct DurationUnitsTests {
    @Test func unitsKeepTheFraction() {
        let elapsed: Duration = .seconds(3) + .nanoseconds(999)
        #expect(elapsed.seconds == 3.000000999)
        #expect(elapsed.milliseconds == 3000.000999)
        #expect(elapsed.microseconds == 3_000_000.999)
        #expect(Duration.microseconds(1500).milliseconds == 1.5)
        #expect(Duration.zero.milliseconds == 0)
    }

    /// The integer fields (`duration_us` of the decision log and `policy evaluate`) round toward
    /// zero, as the integer arithmetic on `components` they replace did.
    @Test func wholeMicrosecondsRoundTowardZero() {
        #expect(Int(Duration.nanoseconds(1999).microseconds) == 1)
        #expect(Int(Duration.nanoseconds(999).microseconds) == 0)
        #expect(Int((Duration.seconds(36) + .nanoseconds(1)).microseconds) == 36_000_000)
        for micros in [1, 999, 12_345, 1_000_000, 36_000_000] {
            let duration = Duration.microseconds(micros)
            let (seconds, attoseconds) = duration.components
            #expect(Int(duration.microseconds) == Int(seconds * 1_000_000 + attoseconds / 1_000_000_000_000), "\(micros)")
        }
    }
}
