import LuaRuntime

extension PolicyReplay {
    /// One policy version in its own sandbox, evaluated directly: no pool, no decision log, no
    /// safe default. Used by `policy eval` and `policy replay`. Not `Sendable` (owns a state).
    ///
    /// ```swift
    /// let candidate = try PolicyReplay.Candidate(source: try PolicySource.read(.severity, from: "policies"))
    /// let result = try candidate.evaluate(snapshot).output   // ["severity": "P1", "reasons": [...]]
    /// ```
    public final class Candidate {
        public let source: PolicySource
        public let limits: LuaLimits
        private var state: LuaState?

        /// Compiles `source` and checks its entry function; throws a ``PolicyFailure``
        /// (`compile` or `entry`) naming the file and line.
        public init(source: PolicySource, limits: LuaLimits = LuaLimits()) throws(PolicyFailure) {
            self.source = source
            self.limits = limits
            state = try makeState()
        }

        deinit { state?.close() }

        /// The result of one input, checked against the contract. Throws a ``PolicyFailure``:
        /// `evaluation` (error, budget, memory) or `contract`.
        public func evaluate(_ input: LuaValue) throws(PolicyFailure) -> Evaluation {
            let state: LuaState
            if let existing = self.state {
                state = existing
            } else {
                state = try makeState()
                self.state = state
            }
            let output: LuaValue
            do {
                output = try state.call(source.kind.entryFunction, [input])
            } catch {
                // A state that failed mid-call (budget, memory) is not reused.
                state.close()
                self.state = nil
                throw PolicyFailure(stage: .evaluation, error, hash: source.hash)
            }
            do {
                try source.kind.validate(output)
            } catch {
                throw PolicyFailure(stage: .contract, message: "\(error)", location: source.chunkName, hash: source.hash)
            }
            return Evaluation(output: output, instructions: state.lastCallStats.instructions,
                              duration: state.lastCallStats.duration)
        }

        private func makeState() throws(PolicyFailure) -> LuaState {
            do {
                return try PolicyProgram.makeState(source, limits: limits)
            } catch let error as LuaError {
                throw PolicyFailure(stage: error.kind == .missingFunction ? .entry : .compile, error, hash: source.hash)
            } catch {
                throw PolicyFailure(stage: .compile, message: "\(error)", location: source.chunkName, hash: source.hash)
            }
        }
    }

    /// A checked result and what it cost (instructions are exact when the limits'
    /// `hookGranularity` is 1).
    public struct Evaluation: Sendable {
        public var output: LuaValue
        public var instructions: Int
        public var duration: Duration
    }
}
