import CLua

extension LuaState {
    /// Sorted names of global tables starting with `prefix` (e.g. `test_*` tables built by
    /// `cases{...}` in the policy test library).
    public func globalTableNames(withPrefix prefix: String = "") -> [String] {
        guard let L = handle, lua_checkstack(L, 3) != 0 else { return [] }
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        lua_rawgeti(L, clua_registryindex(), lua_Integer(globalsRef))
        var names: [String] = []
        lua_pushnil(L)
        while lua_next(L, -2) != 0 {
            if lua_type(L, -2) == LUA_TSTRING, lua_type(L, -1) == LUA_TTABLE,
               let name = readString(from: L, at: -2), name.hasPrefix(prefix) {
                names.append(name)
            }
            lua_settop(L, -2)
        }
        return names.sorted()
    }
}
