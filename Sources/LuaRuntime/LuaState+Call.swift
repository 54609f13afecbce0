import CLua
import CLuaHost

extension LuaState {
    /// Runs the function below `arguments` values with lua_pcall under the call's limits.
    /// Sets the call context before arming the hook and clears it on every exit path.
    /// Stack: pops function and arguments, pushes `results` values on success.
    func protectedCall(_ L: OpaquePointer, arguments: Int32, results: Int32) throws(LuaError) {
        guard !isCalling else { throw LuaError(.runtime, "re-entrant call into the same Lua state") }
        guard !interrupt.isCancelled else { throw LuaError(.cancelled, "call cancelled") }
        let c = control
        c.pointee.executed = 0
        c.pointee.stop = Int32(CLUA_RUNNING)
        c.pointee.stop_line = 0
        c.pointee.refused = 0
        c.pointee.refused_string = 0
        c.pointee.coverage = isCoverageEnabled ? 1 : 0
        c.pointee.record = isCoverageEnabled ? lineRecorder : nil
        isCalling = true
        c.pointee.enforce = 1
        clua_arm(L, limits.timeout.map { Self.nanoseconds($0) } ?? 0)
        let status = clua_pcall(L, arguments, results, 0)
        clua_disarm(L)
        c.pointee.enforce = 0
        clua_collect_after_call(L)
        c.pointee.record = nil
        isCalling = false
        // A stop that code around it caught before the hook could raise again still fails the call.
        guard status != LUA_OK || c.pointee.stop != Int32(CLUA_RUNNING) else { return }
        throw callError(L, status: status)
    }

    /// Classifies a failed call; the flags set by the hook and allocator win over the message,
    /// which a script could have rewritten with pcall/error.
    private func callError(_ L: OpaquePointer, status: Int32) -> LuaError {
        let c = control.pointee
        switch c.stop {
        case Int32(CLUA_STOP_BUDGET):
            return LuaError(.instructionBudgetExceeded, "instruction budget of \(limits.instructionBudget) exceeded",
                            chunkName: stopSource, line: c.stop_line > 0 ? Int(c.stop_line) : nil)
        case Int32(CLUA_STOP_CANCELLED):
            return LuaError(.cancelled, "call cancelled", chunkName: stopSource, line: c.stop_line > 0 ? Int(c.stop_line) : nil)
        case Int32(CLUA_STOP_MEMORY) where c.refused_string != 0:
            return LuaError(.memoryLimitExceeded, "a string longer than \(limits.maxStringBytes) bytes was refused (the limit per string)",
                            chunkName: stopSource, line: c.stop_line > 0 ? Int(c.stop_line) : nil)
        case Int32(CLUA_STOP_MEMORY):
            return LuaError(.memoryLimitExceeded, "memory limit of \(limits.memoryLimitBytes) bytes exceeded",
                            chunkName: stopSource, line: c.stop_line > 0 ? Int(c.stop_line) : nil)
        case Int32(CLUA_STOP_DEADLINE):
            return LuaError(.timeout, "time limit of \(Self.describe(limits.timeout ?? .zero)) exceeded",
                            chunkName: stopSource, line: c.stop_line > 0 ? Int(c.stop_line) : nil)
        default: break
        }
        let message: String
        switch lua_type(L, -1) {
        case LUA_TSTRING, LUA_TNUMBER: message = readMessage(from: L, at: -1, limit: limits.maxErrorBytes)
        case let type: message = "error object is a \(String(cString: lua_typename(L, type))) value"
        }
        let refusedMemory = status == LUA_ERRMEM || message.hasSuffix("not enough memory")
        if refusedMemory, c.refused_string != 0 {
            return LuaError(.memoryLimitExceeded, "a string longer than \(limits.maxStringBytes) bytes was refused (the limit per string)")
        }
        if status == LUA_ERRMEM || (c.refused != 0 && message.hasSuffix("not enough memory")) {
            return LuaError(.memoryLimitExceeded, "memory limit of \(limits.memoryLimitBytes) bytes exceeded")
        }
        return LuaError(kind: status == LUA_ERRSYNTAX ? .syntax : .runtime, luaMessage: message)
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(1, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// "50 ms", "2 s": how a limit reads in an error.
    static func describe(_ duration: Duration) -> String {
        let ms = Double(nanoseconds(duration)) / 1e6
        return ms >= 1000 && ms.truncatingRemainder(dividingBy: 1000) == 0 ? "\(Int(ms / 1000)) s" : "\(ms.rounded() == ms ? String(Int(ms)) : String(ms)) ms"
    }

    private var stopSource: String? {
        withUnsafeBytes(of: control.pointee.stop_source) { raw in
            let text = String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            return text.isEmpty ? nil : text
        }
    }

    func recordLine(_ source: UnsafePointer<CChar>, _ line: Int32) {
        if source != lastLineSource {
            lastLineSource = source
            var name = String(cString: source)
            if name.hasPrefix("=") || name.hasPrefix("@") { name.removeFirst() }
            lastLineChunk = name
        }
        coveredLines.insert(LuaSourceLine(chunkName: lastLineChunk, line: Int(line)))
    }

    /// Forgets recorded coverage.
    public func resetCoverage() {
        coveredLines.removeAll()
        lastLineSource = nil
    }
}

/// C-callable entry points; each recovers the state from the control block's owner pointer.
/// None of them raises: errors are reported to the C side, which raises from a C frame.
let cancelPoll: clua_CancelPoll = { owner in
    Unmanaged<LuaState>.fromOpaque(owner!).takeUnretainedValue().interrupt.isCancelled ? 1 : 0
}

let lineRecorder: clua_LineRecorder = { owner, source, line in
    guard let source else { return }
    Unmanaged<LuaState>.fromOpaque(owner!).takeUnretainedValue().recordLine(source, line)
}

let hostDispatch: clua_HostDispatch = { L, owner, index in
    Unmanaged<LuaState>.fromOpaque(owner!).takeUnretainedValue().dispatchHost(L!, Int(index))
}
