import OracleCore
import Testing

@Suite struct BackoffTests {
    @Test func theCeilingDoublesFromTheBaseUpToTheCap() {
        let backoff = Backoff(base: .seconds(2), cap: .seconds(300))
        let ceilings = (1...11).map { backoff.ceiling(afterAttempt: $0) }
        #expect(ceilings == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300].map { Duration.seconds($0) })
        // No attempt yet counts as the first; an absurd count stays at the cap instead of overflowing.
        #expect(backoff.ceiling(afterAttempt: 0) == .seconds(2))
        #expect(backoff.ceiling(afterAttempt: 10_000) == .seconds(300))
    }

    @Test func fullJitterTakesAShareOfTheCeiling() {
        let backoff = Backoff(base: .milliseconds(100), cap: .seconds(1))
        #expect(backoff.delay(afterAttempt: 3, unitRandom: 0) == .zero)
        #expect(backoff.delay(afterAttempt: 3, unitRandom: 0.5) == .milliseconds(200))
        #expect(backoff.delay(afterAttempt: 3, unitRandom: 1) == .milliseconds(400))
        // Out-of-range randomness is clamped, never a negative wait or one past the ceiling.
        #expect(backoff.delay(afterAttempt: 3, unitRandom: -1) == .zero)
        #expect(backoff.delay(afterAttempt: 9, unitRandom: 7) == .seconds(1))
    }
}
