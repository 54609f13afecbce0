import OracleCore
import Testing

@Suite struct SettingNameTests {
    /// Every name has exactly one spec, and the catalog lists them in the enum's order, so a
    /// setting added to one and not the other fails here (and `spec(_:)` can never miss).
    @Test func theCatalogHasOneSpecPerName() {
        #expect(SettingsCatalog.all.map(\.setting) == SettingName.allCases)
        for setting in SettingName.allCases {
            #expect(SettingsCatalog.spec(setting).name == setting.rawValue)
            #expect(SettingsCatalog.spec(named: setting.rawValue)?.setting == setting)
        }
        #expect(SettingsCatalog.spec(named: "USE_PERSISTENT_SESSION") == nil)
    }

    /// Typed reads: the loaded value, else the spec's default — also for a value that does not
    /// parse, which validation would have refused.
    @Test func typedReadsFallBackToTheCatalogDefault() {
        let loaded = LoadedConfig(values: [
            "PORT": ResolvedValue(raw: " 9000 ", origin: .environment),
            "USE_PERSISTENT_SESSIONS": ResolvedValue(raw: "yes", origin: .file("x.env")),
            "MAX_PERSISTENT_SESSIONS": ResolvedValue(raw: "many", origin: .flag),
        ])
        #expect(loaded.integer(.port) == 9000)
        #expect(loaded.flag(.usePersistentSessions))
        #expect(loaded.integer(.maxPersistentSessions) == 500)
        #expect(loaded.number(.emergencyCleanupThreshold) == 0.95)
        #expect(loaded.raw(.host) == "127.0.0.1")
    }

    @Test func theDefaultsAreTheSpecsDefaults() {
        for spec in SettingsCatalog.all {
            #expect(SettingsCatalog.defaults.raw(spec.setting) == spec.defaultValue, "\(spec.name)")
        }
        #expect(SettingsCatalog.defaults.integer(.metricsWindowSeconds) == 300)
        #expect(SettingsCatalog.defaults.number(.llmBreakerFailureRate) == 0.5)
        #expect(SettingsCatalog.defaults.flag(.enableSessionRecovery))
    }
}
