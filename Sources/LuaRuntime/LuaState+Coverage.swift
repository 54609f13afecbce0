import CLua

extension LuaState {
    /// Lines of `source` that hold code (the denominator for line coverage), over the main
    /// chunk and every nested function. Compiles without running; throws `.syntax`.
    ///
    /// ```swift
    /// let lines = try state.executableLines(source: policy, chunkName: "rollout.lua")
    /// let covered = state.coveredLines.filter { $0.chunkName == "rollout.lua" }.count
    /// ```
    public func executableLines(source: String, chunkName: String) throws(LuaError) -> Set<Int> {
        let L = try open()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try compile(L, source: source, chunkName: chunkName)
        var bytes: [UInt8] = []
        _ = withUnsafeMutablePointer(to: &bytes) { lua_dump(L, dumpWriter, $0, 0) }
        return try LuaChunkLines.parse(bytes)
    }
}

/// lua_dump's writer: appends each piece to the [UInt8] passed as `ud`. Never raises.
private let dumpWriter: lua_Writer = { _, data, size, ud in
    guard let data, let ud else { return 0 }
    ud.assumingMemoryBound(to: [UInt8].self).pointee.append(contentsOf: UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
