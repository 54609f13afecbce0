import Operations
import Testing

@Suite struct RetentionPeriodTests {
    @Test(arguments: [("30d", 2_592_000), ("12h", 43_200), ("90m", 5_400), ("3600s", 3_600), (" 7D ", 604_800)])
    func parsesUnits(_ input: String, _ seconds: Int) throws {
        #expect(try RetentionPeriod.parse(input).seconds == seconds)
    }

    @Test(arguments: [("30", "missing unit"), ("30x", "unknown unit"), ("d", "not a whole number"),
                      ("-5d", "not a whole number"), ("1.5h", "not a whole number"), ("0d", "greater than zero"),
                      ("", "empty"), ("999999999999d", "100 years")])
    func rejectsWithAClearReason(_ input: String, _ reason: String) {
        #expect {
            _ = try RetentionPeriod.parse(input)
        } throws: { error in
            "\(error)".contains(reason) && "\(error)".contains("e.g. 30d")
        }
    }
}
