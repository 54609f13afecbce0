import Foundation
import OracleCore
import Testing

/// `TENANT_LIMITS`: what admission.lua is given per tenant, and what `config check` refuses
/// (its problems are the loader's, printed as `error: <problem>`).
@Suite struct TenantLimitsTests {
    func problems(_ value: String) async throws -> [String] {
        let dir = try TemporaryDirectoryForCore()
        defer { dir.remove() }
        let path = dir.path + "/test.env"
        try "".write(toFile: path, atomically: true, encoding: .utf8)
        return try await ConfigLoader.load(environment: ["TENANT_LIMITS": value], flags: [:], configFile: path).problems
    }

    @Test func namedTenantsAndTheRest() throws {
        let limits = try TenantLimits.parse(" acme: rpm=60, tpm=100000 ,tpd=2000000 ; *:tpd=500 ;")
        #expect(limits.limits(for: "acme") == .init(requestsPerMinute: 60, tokensPerMinute: 100_000, tokensPerDay: 2_000_000))
        // A named tenant's entry is all of its limits: `*` does not add to it.
        #expect(limits.limits(for: "globex") == .init(tokensPerDay: 500))
        #expect(try TenantLimits.parse("acme:tpm=5").limits(for: "globex").isEmpty)
        #expect(try TenantLimits.parse("").isEmpty)
    }

    @Test func configCheckNamesTheProblemAndTheEntry() async throws {
        let cases: [(String, String)] = [
            ("acme rpm=60", "TENANT_LIMITS must be ';'-separated tenant:rpm=N,tpm=N,tpd=N entries; entry 1 of 1 has no ':'"),
            ("acme:rpm=60;globex:tpx=5", "TENANT_LIMITS must use only the limits rpm, tpm, tpd; entry 2 of 2 ('globex') has 'tpx'"),
            ("acme:tpm=0", "TENANT_LIMITS must give each limit a whole number of at least 1; entry 1 of 1 ('acme') has tpm=0"),
            ("acme:tpm=lots", "TENANT_LIMITS must give each limit a whole number of at least 1; entry 1 of 1 ('acme') has tpm=lots"),
            ("acme:tpm", "TENANT_LIMITS must give each limit a whole number of at least 1; entry 1 of 1 ('acme') has tpm="),
            ("acme:rpm=1,rpm=2", "TENANT_LIMITS must give each limit once per tenant; entry 1 of 1 ('acme') repeats rpm"),
            ("acme:rpm=1;acme:tpm=2", "TENANT_LIMITS must name each tenant once; entry 2 of 2 repeats 'acme'"),
            (":rpm=1", "TENANT_LIMITS must name a tenant (or *) in every entry; entry 1 of 1 names none"),
        ]
        for (value, problem) in cases {
            let found = try await problems(value)
            #expect(found.count == 1 && found[0].hasPrefix(problem), "\(value): \(found)")
        }
        #expect(try await problems("acme:rpm=60,tpm=100000,tpd=2000000;*:rpm=600").isEmpty)
    }
}
