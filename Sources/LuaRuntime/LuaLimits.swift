/// Resource limits applied to every call into a ``LuaState`` (including a chunk's main body
/// run by ``LuaState/load(source:chunkName:)``).
///
/// ```swift
/// let state = try LuaState(limits: LuaLimits(instructionBudget: 100_000, memoryLimitBytes: 8 << 20))
/// ```
public struct LuaLimits: Sendable, Equatable {
    /// VM instructions one call may execute before it fails with `.instructionBudgetExceeded`.
    public var instructionBudget: Int
    /// Bytes the whole state may hold while a call runs; growth past it fails the call with
    /// `.memoryLimitExceeded`. Host-side pushes (arguments, host-function results) are not refused.
    public var memoryLimitBytes: Int
    /// Period of the count hook in VM instructions: the budget is checked, cancellation polled
    /// and instructions counted every `hookGranularity` instructions. Use 1 for exact counts
    /// when profiling; the default keeps the hook's cost negligible.
    public var hookGranularity: Int
    /// Wall-clock limit of one call (nil: none). Checked every `hookGranularity` units of
    /// work, so a call stops within one such period of it; the call then fails with `.timeout`.
    public var timeout: Duration?
    /// The longest string a call may create. Besides memory, this bounds what one VM
    /// instruction can do without the hook seeing it (`==`, `<` and `..` on strings are O(n)).
    public var maxStringBytes: Int
    /// The largest result a call may return, as encoded (strings count each time they appear).
    public var maxResultBytes: Int
    /// Error messages are cut to this many bytes.
    public var maxErrorBytes: Int
    /// The largest chunk ``LuaState/load(source:chunkName:)`` compiles. Compiling is not under
    /// the call limits and is quadratic for some inputs (a 400 KB chain of `or` took 8 s).
    public var maxSourceBytes: Int

    public init(instructionBudget: Int = 1_000_000, memoryLimitBytes: Int = 32 << 20, hookGranularity: Int = 1000,
                timeout: Duration? = .milliseconds(50), maxStringBytes: Int = 256 << 10,
                maxResultBytes: Int = 64 << 10, maxErrorBytes: Int = 4 << 10, maxSourceBytes: Int = 64 << 10) {
        self.instructionBudget = instructionBudget
        self.memoryLimitBytes = memoryLimitBytes
        self.hookGranularity = max(1, min(hookGranularity, Int(Int32.max)))
        self.timeout = timeout
        self.maxStringBytes = max(64, maxStringBytes)
        self.maxResultBytes = max(64, maxResultBytes)
        self.maxErrorBytes = max(64, maxErrorBytes)
        self.maxSourceBytes = max(64, maxSourceBytes)
    }

    /// The limits a policy's tests run under: at least `minimum`'s budget, time limit,
    /// error-message and source size (a test may call its policy thousands of times), but this
    /// configuration's memory, string and result caps. A call can observe those from inside (a
    /// refused allocation can be caught with pcall), so tests must not differ in them, or a policy
    /// could tell a test from a live call; budget and time stops cannot be caught.
    public func forTests(atLeast minimum: LuaLimits) -> LuaLimits {
        var limits = self
        limits.instructionBudget = max(instructionBudget, minimum.instructionBudget)
        if let mine = timeout, let theirs = minimum.timeout { limits.timeout = max(mine, theirs) } else { limits.timeout = nil }
        limits.maxErrorBytes = max(maxErrorBytes, minimum.maxErrorBytes)
        limits.maxSourceBytes = max(maxSourceBytes, minimum.maxSourceBytes)
        return limits
    }
}

/// What the last call into a ``LuaState`` cost.
public struct LuaCallStats: Sendable, Equatable {
    /// VM instructions executed, counted in steps of ``LuaLimits/hookGranularity``
    /// (so a lower bound, exact when the granularity is 1).
    public var instructions: Int
    /// Wall-clock time of the protected call, argument pushing and result conversion included.
    public var duration: Duration
    /// Bytes held by the state when the call returned.
    public var memoryBytes: Int

    public init(instructions: Int = 0, duration: Duration = .zero, memoryBytes: Int = 0) {
        self.instructions = instructions
        self.duration = duration
        self.memoryBytes = memoryBytes
    }
}

/// One executed source line, recorded by line coverage.
public struct LuaSourceLine: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var chunkName: String
    public var line: Int

    public init(chunkName: String, line: Int) {
        self.chunkName = chunkName
        self.line = line
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.chunkName, a.line) < (b.chunkName, b.line)
    }

    public var description: String { "\(chunkName):\(line)" }
}
