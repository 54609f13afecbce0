import CLua

extension LuaState {
    /// Whether global `name` of the current layer (or one below it) is a function, e.g. a
    /// policy's entry point.
    public func hasFunction(_ name: String) -> Bool {
        guard let L = handle else { return false }
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        return pushGlobal(L, name) == LUA_TFUNCTION
    }

    /// Pushes global `name` as code in the current layer sees it (+1), without running any
    /// metamethod: each layer's declared table, then the one below, down to the builtins.
    @discardableResult
    func pushGlobal(_ L: OpaquePointer, _ name: String) -> Int32 {
        lua_rawgeti(L, clua_registryindex(), lua_Integer(globalsRef))
        while true {
            pushString(name, to: L)
            let type = lua_rawget(L, -2)
            // A declared table's metatable is {__index = <the layer below>}; builtins have none.
            guard type == LUA_TNIL, lua_getmetatable(L, -2) != 0 else {
                clua_remove(L, -2)
                return type
            }
            pushString("__index", to: L)
            let below = lua_rawget(L, -2)
            guard below == LUA_TTABLE else {
                lua_settop(L, -5)
                lua_pushnil(L)
                return LUA_TNIL
            }
            clua_remove(L, -2)  // metatable
            clua_remove(L, -2)  // nil
            clua_remove(L, -2)  // the layer above
        }
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
