import CLua

extension LuaState {
    /// Whether global `name` is a function (e.g. a policy's entry point).
    public func hasFunction(_ name: String) -> Bool {
        guard let L = handle else { return false }
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        lua_rawgeti(L, clua_registryindex(), lua_Integer(globalsRef))
        pushString(name, to: L)
        return lua_rawget(L, -2) == LUA_TFUNCTION
    }

    /// Sorted names of global functions starting with `prefix` (e.g. "test_" for a test file);
    /// includes host functions.
    public func globalFunctionNames(withPrefix prefix: String = "") -> [String] {
        globalNames(withPrefix: prefix, ofType: LUA_TFUNCTION)
    }

    /// Sorted names of global tables starting with `prefix` (e.g. `test_*` tables built by
    /// `cases{...}` in the policy test library).
    public func globalTableNames(withPrefix prefix: String = "") -> [String] {
        globalNames(withPrefix: prefix, ofType: LUA_TTABLE)
    }

    private func globalNames(withPrefix prefix: String, ofType type: Int32) -> [String] {
        guard let L = handle, lua_checkstack(L, 3) != 0 else { return [] }
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        lua_rawgeti(L, clua_registryindex(), lua_Integer(globalsRef))
        var names: [String] = []
        lua_pushnil(L)
        while lua_next(L, -2) != 0 {
            if lua_type(L, -2) == LUA_TSTRING, lua_type(L, -1) == type,
               let name = readString(from: L, at: -2), name.hasPrefix(prefix) {
                names.append(name)
            }
            lua_settop(L, -2)
        }
        return names.sorted()
    }
}
