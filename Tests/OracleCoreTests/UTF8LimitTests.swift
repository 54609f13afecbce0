import OracleCore
import Testing

@Suite struct UTF8LimitTests {
    @Test func shortTextIsUnchanged() {
        #expect("héllo".limitedUTF8(to: 6) == "héllo")
        #expect("".limitedUTF8(to: 0) == "")
    }

    @Test(arguments: [100, 101, 102, 103, 500])
    func longTextIsCutAtACharacterBoundaryWithinTheLimit(limit: Int) {
        let text = String(repeating: "a€", count: 1000)  // 1 + 3 bytes per pair
        let cut = text.limitedUTF8(to: limit)
        #expect(cut.utf8.count <= limit)
        #expect(cut.hasSuffix(" … [cut: 4000 bytes in all]"))
        let kept = cut.dropLast(" … [cut: 4000 bytes in all]".count)
        #expect(text.hasPrefix(kept))
        #expect(kept.utf8.count > limit - " … [cut: 4000 bytes in all]".utf8.count - 3)
    }
}
