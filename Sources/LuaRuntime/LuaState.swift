import CLua
import CLuaHost

/// One sandboxed PUC Lua 5.4 state. Not `Sendable`: use it from one thread at a time, or
/// through ``LuaStatePool``.
///
/// Life cycle: create, ``register(_:_:)`` host functions, ``load(source:chunkName:)`` one or
/// more chunks (their main bodies may define globals), ``lock()``, then ``call(_:_:)`` as often
/// as needed. Every call runs under ``LuaLimits``; errors are ``LuaError``s.
///
/// ```swift
/// let state = try LuaState()
/// try state.load(source: "function decide(ctx) return {enabled = bucket(ctx.id) <= 50} end",
///                chunkName: "rollout.lua")
/// state.lock()
/// let result = try state.call("decide", [["id": "session-1"]])   // ["enabled": true]
/// ```
public final class LuaState {
    var handle: OpaquePointer?
    let control: UnsafeMutablePointer<clua_Control>
    /// Limits for subsequent calls.
    public var limits: LuaLimits { didSet { applyLimits() } }
    /// Polled by the count hook; cancel it from any thread to stop the running call.
    /// ``LuaStatePool`` gives each call a fresh one.
    public internal(set) var interrupt = LuaInterrupt()
    /// Cost of the most recent ``call(_:_:)`` or ``load(source:chunkName:)``.
    public internal(set) var lastCallStats = LuaCallStats()
    /// Whether ``lock()`` has run: globals are then read-only and undeclared reads fail.
    public private(set) var isLocked = false
    /// When true, calls record every executed line into ``coveredLines``.
    public var isCoverageEnabled = false
    /// Lines executed while coverage was enabled (cleared by ``resetCoverage()``).
    public internal(set) var coveredLines: Set<LuaSourceLine> = []

    /// Registry refs: the top layer's env and declared tables, the prelude's functions, the
    /// builtins layer, the frozen-table map and the upvalue snapshot taken by ``seal()``.
    var envRef: Int32 = 0, globalsRef: Int32 = 0, lockRef: Int32 = 0, layerRef: Int32 = 0, sealRef: Int32 = 0
    var builtinsRef: Int32 = 0, hiddenRef: Int32 = 0, snapshotRef: Int32 = 0
    var hostFunctions: [HostFunction] = []
    var isCalling = false
    var lastLineSource: UnsafePointer<CChar>?
    var lastLineChunk = ""

    /// Creates a sandboxed state; on failure everything allocated so far is freed.
    public init(limits: LuaLimits = LuaLimits()) throws(LuaError) {
        self.limits = limits
        control = .allocate(capacity: 1)
        control.initialize(to: clua_Control())
        guard let L = clua_newstate(control) else {
            control.deallocate()
            throw LuaError(.memoryLimitExceeded, "cannot allocate a Lua state")
        }
        handle = L
        control.pointee.owner = Unmanaged.passUnretained(self).toOpaque()
        control.pointee.dispatch = hostDispatch
        control.pointee.poll = cancelPoll
        applyLimits()
        do {
            try installSandbox(L)
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Frees the Lua state. Safe to call more than once; later calls throw.
    public func close() {
        guard let L = handle else { return }
        handle = nil
        lua_close(L)
        control.deinitialize(count: 1)
        control.deallocate()
    }

    /// Current Lua stack top; 0 between calls (tests assert this stays balanced).
    public var stackTop: Int32 { handle.map { lua_gettop($0) } ?? 0 }

    /// Bytes currently allocated by this state.
    public var memoryBytes: Int { handle == nil ? 0 : Int(control.pointee.used) }

    func open() throws(LuaError) -> OpaquePointer {
        guard let L = handle else { throw LuaError(.runtime, "Lua state is closed") }
        return L
    }

    private func applyLimits() {
        control.pointee.limit = limits.memoryLimitBytes
        control.pointee.budget = Int64(limits.instructionBudget)
        control.pointee.granularity = Int32(limits.hookGranularity)
        control.pointee.max_string = limits.maxStringBytes
    }

    /// Compiles `source` (text only: binary chunks are refused) and runs its main body in the
    /// sandbox, where it may define globals. `chunkName` appears in errors and coverage.
    public func load(source: String, chunkName: String) throws(LuaError) {
        let L = try open()
        guard !isLocked else { throw LuaError(.runtime, "cannot load '\(chunkName)': the state is locked") }
        guard source.utf8.count <= limits.maxSourceBytes else {
            throw LuaError(.syntax, "\(source.utf8.count) bytes of source; a chunk may be at most \(limits.maxSourceBytes)",
                           chunkName: chunkName)
        }
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try compile(L, source: source, chunkName: chunkName)
        lua_rawgeti(L, clua_registryindex(), lua_Integer(envRef))
        _ = lua_setupvalue(L, -2, 1)  // the chunk's only upvalue is _ENV
        let start = ContinuousClock.now
        defer { lastCallStats = stats(since: start) }
        try protectedCall(L, arguments: 0, results: 0)
    }

    /// Pushes the compiled chunk (+1) or throws `.syntax`.
    func compile(_ L: OpaquePointer, source: String, chunkName: String) throws(LuaError) {
        var source = source
        let status = source.withUTF8 { text in clua_loadbuffer(L, text.baseAddress, text.count, "=" + chunkName, "t") }
        guard status == LUA_OK else {
            let message = readString(from: L, at: -1) ?? "cannot load chunk"
            throw LuaError(kind: status == LUA_ERRMEM ? .memoryLimitExceeded : .syntax, luaMessage: message)
        }
    }

    /// Locks the environment: from now on reading an undeclared global or assigning any global
    /// is an error naming the variable. Idempotent.
    public func lock() {
        guard let L = handle, !isLocked else { return }
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        lua_rawgeti(L, clua_registryindex(), lua_Integer(lockRef))
        if clua_pcall(L, 0, 0, 0) == LUA_OK { isLocked = true }
    }

    /// Calls global function `function` with `args` and converts its first result.
    /// Throws `.missingFunction` if it is not a function, and the call's ``LuaError`` otherwise.
    public func call(_ function: String, _ args: [LuaValue] = []) throws(LuaError) -> LuaValue {
        let L = try open()
        let start = ContinuousClock.now
        control.pointee.executed = 0
        let top = lua_gettop(L)
        defer {
            lua_settop(L, top)
            lastCallStats = stats(since: start)
        }
        guard lua_checkstack(L, Int32(clamping: args.count + 2)) != 0 else { throw LuaError(.runtime, "too many arguments") }
        guard pushGlobal(L, function) == LUA_TFUNCTION else {
            throw LuaError(.missingFunction, "no global function '\(function)'")
        }
        for arg in args { try arg.push(to: L) }
        do {
            try protectedCall(L, arguments: Int32(args.count), results: 1)
        } catch {
            _ = restoreUpvalues(L)
            throw error
        }
        if let changed = restoreUpvalues(L) {
            throw LuaError(.impure, "the call changed '\(changed.name)', a value captured while the policy loaded; "
                           + "calls must not keep state (use a local of the call)", chunkName: changed.chunk.isEmpty ? nil : changed.chunk,
                           line: changed.line > 0 ? changed.line : nil)
        }
        return try LuaValue.read(from: L, at: -1, root: "result", limits: limits)
    }

    private func stats(since start: ContinuousClock.Instant) -> LuaCallStats {
        LuaCallStats(instructions: Int(control.pointee.executed), duration: .now - start, memoryBytes: memoryBytes)
    }
}
