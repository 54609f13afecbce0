import CLua

extension LuaState {
    /// Builds the per-state sandbox. Scripts see only `env`, an empty proxy whose reads fall
    /// through to `declared` (the allow-listed globals, host functions and whatever chunks
    /// define while loading). Library tables are read-only proxies over per-state copies.
    ///
    /// Decisions: `rawset` is not offered (it would bypass the read-only proxies and the lock);
    /// `setmetatable` refuses `__gc` (finalizers would run outside any call's limits, e.g. in
    /// `lua_close`); the string metatable is hidden (`getmetatable("")` is `false`) and indexes
    /// the sandboxed `string`, so no script can reach `string.dump` or alter string methods.
    static let prelude = #"""
    local G = ...
    local next, error, tostring, type, rawget, setmetatable = next, error, tostring, type, rawget, setmetatable

    local function copy(lib, omit)
      local t = {}
      for k, v in next, lib do if not omit[k] then t[k] = v end end
      return t
    end
    local function readonly(name, lib)
      return setmetatable({}, {
        __index = lib,
        __newindex = function(_, k)
          error("cannot modify read-only table '" .. name .. "' (field '" .. tostring(k) .. "')", 2)
        end,
        __pairs = function() return next, lib, nil end,
        __metatable = false,
      })
    end

    local declared = {}
    for _, name in ipairs({ "pairs", "ipairs", "next", "select", "type", "tostring", "tonumber", "error",
                            "assert", "pcall", "getmetatable", "rawget", "rawequal", "rawlen" }) do
      declared[name] = G[name]
    end
    declared.setmetatable = function(t, mt)
      if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
        error("setmetatable: __gc metamethods are not allowed", 2)
      end
      return setmetatable(t, mt)
    end
    declared.string = readonly("string", copy(string, { dump = true }))
    declared.table = readonly("table", copy(table, {}))
    declared.math = readonly("math", copy(math, { random = true, randomseed = true }))
    declared.utf8 = readonly("utf8", copy(utf8, {}))
    declared._VERSION = _VERSION

    local string_mt = getmetatable("")
    string_mt.__index = declared.string
    string_mt.__metatable = false

    local declared_mt = { __metatable = false }
    setmetatable(declared, declared_mt)
    local env_mt = { __index = declared, __newindex = declared, __metatable = false }
    local env = setmetatable({}, env_mt)

    local function lock()
      declared_mt.__index = function(_, name)
        error("undeclared global '" .. tostring(name) .. "'", 2)
      end
      env_mt.__newindex = function(_, name)
        error("cannot assign global '" .. tostring(name) .. "' after load (globals are read-only during calls; use a local)", 2)
      end
    end
    return env, declared, lock
    """#

    func installSandbox(_ L: OpaquePointer) throws(LuaError) {
        for (name, open) in [("_G", luaopen_base), ("string", luaopen_string), ("table", luaopen_table),
                             ("math", luaopen_math), ("utf8", luaopen_utf8)] as [(String, lua_CFunction)] {
            luaL_requiref(L, name, open, 1)
            lua_settop(L, 0)
        }
        for (slot, message) in [(1, "instruction budget exceeded"), (2, "call cancelled")] {
            pushString(message, to: L)
            let ref = luaL_ref(L, clua_registryindex())
            if slot == 1 { control.pointee.stop_message_ref.1 = ref } else { control.pointee.stop_message_ref.2 = ref }
        }
        try compile(L, source: Self.prelude, chunkName: "sandbox")
        lua_rawgeti(L, clua_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        try protectedCall(L, arguments: 1, results: 3)
        lockRef = luaL_ref(L, clua_registryindex())
        globalsRef = luaL_ref(L, clua_registryindex())
        envRef = luaL_ref(L, clua_registryindex())
        registerHost("bucket", .raw(Self.bucket))
    }
}
