import LuaRuntime
import OracleCore
import Policies

extension PolicyHost.Configuration {
    /// The policy host the validated settings describe (`POLICIES_DIR`, `LUA_DIR`, `POLICY_*`, `DECISION_*`).
    /// - Parameter secrets: more values to keep out of the decision log: the keys the models and
    ///   contacts files name, which are not settings.
    public init(settings config: OracleConfig, secrets: [String] = []) {
        let runtime = config.policyRuntime
        var rates: [PolicyKind: Double] = [:]
        for kind in PolicyKind.allCases { rates[kind] = runtime.sampleRates[kind.rawValue] ?? 1 }
        self.init(
            policiesDirectory: config.policiesDirectory, luaDirectory: config.luaDirectory,
            limits: LuaLimits(instructionBudget: runtime.instructionBudget, memoryLimitBytes: runtime.memoryLimitMB << 20,
                              timeout: .milliseconds(runtime.timeoutMs)),
            statesPerPolicy: runtime.states, sampleRates: rates, decisionLogLimit: runtime.decisionLogMaxRows,
            decisionLogByteLimit: runtime.decisionLogMaxBytes, redactor: Redactor(secrets: config.secrets + secrets))
    }
}
