import Foundation
import OracleCore
import Testing

@Suite struct RandomIdentifierTests {
    @Test func isALowercaseVersion4UUID() throws {
        for _ in 0..<1000 {
            let id = RandomIdentifier.uuid()
            #expect(id.utf8.count == 36)
            #expect(id == id.lowercased())
            let parsed = try #require(UUID(uuidString: id), "\(id) is not a UUID")
            #expect(parsed.uuidString.lowercased() == id)
            let bytes = parsed.uuid
            #expect(bytes.6 >> 4 == 4, "version nibble of \(id)")
            #expect(bytes.8 >> 6 == 0b10, "variant bits of \(id)")
        }
    }

    @Test func doesNotRepeat() {
        let ids = (0..<10_000).map { _ in RandomIdentifier.uuid() }
        #expect(Set(ids).count == ids.count)
    }
}
