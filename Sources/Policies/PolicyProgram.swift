import LuaRuntime

/// Builds sandboxed Lua states that run one policy version.
enum PolicyProgram {
    /// A fresh state with `source` loaded, its entry function checked and what it built while
    /// loading sealed (``LuaState/seal()``: frozen tables, upvalues put back after every call).
    /// `prepare` runs before the policy loads, `extend` after it (the test harness, in a layer
    /// of its own), then the state locks.
    static func makeState(
        _ source: PolicySource, limits: LuaLimits,
        prepare: (LuaState) throws -> Void = { _ in },
        extend: (LuaState) throws -> Void = { _ in }
    ) throws -> LuaState {
        let state = try LuaState(limits: limits)
        do {
            try prepare(state)
            try state.load(source: source.text, chunkName: source.chunkName)
            guard state.hasFunction(source.kind.entryFunction) else {
                throw LuaError(.missingFunction,
                               "\(source.kind.fileName) does not define function \(source.kind.entryFunction)",
                               chunkName: source.chunkName)
            }
            try state.seal()
            try extend(state)
            state.lock()
            return state
        } catch {
            state.close()
            throw error
        }
    }

    /// Compiles `source`, checks its entry function and evaluates the kind's sample inputs,
    /// validating each result against the contract.
    static func check(_ source: PolicySource, limits: LuaLimits) -> PolicyFailure? {
        let state: LuaState
        do {
            state = try makeState(source, limits: limits)
        } catch let error as LuaError {
            return PolicyFailure(stage: error.kind == .missingFunction ? .entry : .compile, error, hash: source.hash)
        } catch {
            return PolicyFailure(stage: .compile, message: "\(error)", hash: source.hash)
        }
        defer { state.close() }
        for (index, input) in source.kind.sampleInputs.enumerated() {
            do {
                let result = try state.call(source.kind.entryFunction, [input])
                try source.kind.validate(result)
            } catch let error as LuaError {
                return PolicyFailure(stage: .contract, error, hash: source.hash)
            } catch {
                return PolicyFailure(stage: .contract, message: "sample input \(index + 1): \(error)",
                                     location: source.chunkName, hash: source.hash)
            }
        }
        return nil
    }
}
