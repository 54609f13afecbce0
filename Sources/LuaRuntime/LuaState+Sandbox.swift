import CLua
import CLuaHost

extension LuaState {
    /// Builds the per-state sandbox.
    ///
    /// Globals live in *layers*. The bottom one, `builtins`, holds the allow-listed functions,
    /// the read-only library proxies and host helpers; no chunk may replace a name in it. Above
    /// it each layer has its own `declared` table and an empty `env` proxy that chunks loaded
    /// into the layer use as `_ENV`: reads fall through `declared` to the layers below, writes
    /// (only while loading) go to `declared`. A policy loads into the first layer; the test
    /// harness loads into a second one, so the code under test can neither see the test
    /// helpers nor replace anything they use.
    ///
    /// Purity: `seal` freezes every table the layer's chunks built while loading (their
    /// contents move behind a read-only proxy) and lists the upvalues their closures captured;
    /// the host puts those back after every call (`clua_restore_upvalues`), so no call can
    /// see or leave state from an earlier one.
    ///
    /// Decisions: `rawset` is not offered (it would bypass the proxies and the lock);
    /// `setmetatable` refuses `__gc` (finalizers would run outside any call's limits, e.g. in
    /// `lua_close`); the string metatable is hidden (`getmetatable("")` is `false`) and indexes
    /// the sandboxed `string`, so no script can reach `string.dump` or alter string methods;
    /// `pairs` of a library gives an iterator that does not hand out the table behind it.
    static let prelude = #"""
    local G, debug, hidden_of, next_through, rawget_through, rawlen_through = ...
    local next, error, tostring, type, rawget, rawset, rawlen, setmetatable, ipairs =
          next, error, tostring, type, rawget, rawset, rawlen, setmetatable, ipairs
    local getupvalue, upvalueid, rawgetmetatable, rawsetmetatable, getinfo =
          debug.getupvalue, debug.upvalueid, debug.getmetatable, debug.setmetatable, debug.getinfo

    -- Tables the sandbox itself made: never walked, frozen or listed.
    local own = setmetatable({}, { __mode = "k" })
    local function owned(t) own[t] = true return t end
    owned(hidden_of)
    local status = owned({ locked = false })

    local function copy(lib, omit)
      local t = {}
      for k, v in next, lib do if not omit[k] then t[k] = v end end
      return owned(t)
    end
    local function readonly(name, lib)
      local proxy = owned(setmetatable({}, owned({
        __index = lib,
        __newindex = function(_, k)
          error("cannot modify read-only table '" .. name .. "' (field '" .. tostring(k) .. "')", 2)
        end,
        __pairs = function() return function(_, k) return next(lib, k) end, nil, nil end,
        __len = function() return rawlen(lib) end,
        __metatable = false,
      })))
      hidden_of[proxy] = lib
      return proxy
    end

    local builtins = owned({})
    for _, name in ipairs({ "pairs", "ipairs", "select", "type", "tonumber", "error",
                            "assert", "pcall", "getmetatable", "rawequal" }) do
      builtins[name] = G[name]
    end
    builtins.next, builtins.rawget, builtins.rawlen = next_through, rawget_through, rawlen_through
    builtins.setmetatable = function(t, mt)
      if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
        error("setmetatable: __gc metamethods are not allowed", 2)
      end
      -- Whether a weak entry is gone yet depends on garbage earlier calls left: a side channel.
      if type(mt) == "table" and rawget(mt, "__mode") ~= nil then
        error("setmetatable: weak tables (__mode) are not allowed", 2)
      end
      return setmetatable(t, mt)
    end
    -- tostring of a table or function shows its address, which depends on what earlier calls
    -- allocated: show the type (or __name) instead; __tostring still applies.
    local stock_tostring = tostring
    builtins.tostring = function(...)
      local v = ...
      local kind = type(v)
      if kind == "table" or kind == "function" then
        local mt = rawgetmetatable(v)
        local source = mt and (hidden_of[mt] or mt)
        if not (source and rawget(source, "__tostring")) then
          local name = source and rawget(source, "__name")
          return type(name) == "string" and name or kind
        end
      end
      return stock_tostring(...)
    end
    builtins.string = readonly("string", copy(string, { dump = true }))
    builtins.table = readonly("table", copy(table, {}))
    builtins.math = readonly("math", copy(math, { random = true, randomseed = true }))
    builtins.utf8 = readonly("utf8", copy(utf8, {}))
    builtins._VERSION = _VERSION
    setmetatable(builtins, owned({
      __index = function(_, name)
        if status.locked then error("undeclared global '" .. tostring(name) .. "'", 2) end
      end,
      __metatable = false,
    }))

    local string_mt = getmetatable("")
    string_mt.__index = builtins.string
    string_mt.__metatable = false

    -- A new layer over `below` (a declared table, or builtins): its env and declared tables.
    local function layer(below)
      local declared = owned(setmetatable({}, owned({ __index = below, __metatable = false })))
      local env = owned(setmetatable({}, owned({
        __index = declared,
        __newindex = function(_, name, value)
          if status.locked then
            error("cannot assign global '" .. tostring(name) .. "' after load (globals are read-only during calls; use a local)", 2)
          end
          if rawget(builtins, name) ~= nil then
            error("cannot replace built-in '" .. tostring(name) .. "'", 2)
          end
          rawset(declared, name, value)
        end,
        __metatable = false,
      })))
      return env, declared
    end

    local function lock() status.locked = true end

    local function frozen_write()
      error("cannot modify a table the policy built while loading (calls must not keep state: build a new table)", 2)
    end
    -- Not carried over to the view: what freezing replaces, and __len, which the view answers
    -- from its contents (a __len of the policy's own could answer the table functions one
    -- length and then another).
    local SPECIAL = { __index = true, __newindex = true, __metatable = true, __gc = true, __mode = true, __len = true }

    -- Metamethod fields ("__index", "__tostring", ...) stay in place: Lua looks them up raw when
    -- t is someone's metatable (a class table that calls build instances from). They are not
    -- writable through the view either way, and seal lists them to check after every call.
    local function is_metamethod(k)
      return type(k) == "string" and string.sub(k, 1, 2) == "__"
    end

    -- Moves t's contents behind a read-only view; t keeps its identity and its metamethods.
    local function freeze(t)
      local hidden = owned({})
      for k, v in next, t do hidden[k] = v end
      for k in next, hidden do if not is_metamethod(k) then rawset(t, k, nil) end end
      local original = rawgetmetatable(t)
      local source = original and (hidden_of[original] or original)
      local mt = owned({ __newindex = frozen_write, __metatable = false })
      if source then
        for k, v in next, source do if not SPECIAL[k] then mt[k] = v end end
      end
      local inherited = source and rawget(source, "__index")
      if inherited == nil then
        mt.__index = hidden
      elseif type(inherited) == "function" then
        mt.__index = function(p, k) local v = rawget(hidden, k) if v ~= nil then return v end return inherited(p, k) end
      else
        mt.__index = function(_, k) local v = rawget(hidden, k) if v ~= nil then return v end return inherited[k] end
      end
      if mt.__len == nil then mt.__len = function() return rawlen(hidden) end end
      if mt.__pairs == nil then mt.__pairs = function() return function(_, k) return next(hidden, k) end, nil, nil end end
      rawsetmetatable(t, mt)
      hidden_of[t] = hidden
    end

    -- Freezes everything reachable from `declared` that chunks built, and returns the list
    -- (closure, upvalue number, value, ...) of the upvalues their closures captured, followed
    -- in the same list by (table, metamethod name, value) for the fields freeze left in place.
    local function seal(declared)
      local seen, pending, captured, snapshot = {}, {}, {}, {}
      local function visit(v)
        local kind = type(v)
        if (kind == "table" or kind == "function") and not seen[v] and not own[v] then
          seen[v] = true
          pending[#pending + 1] = v
        end
      end
      for _, v in next, declared do visit(v) end
      while #pending > 0 do
        local v = pending[#pending]
        pending[#pending] = nil
        if type(v) == "table" then
          if hidden_of[v] == nil then
            for k, x in next, v do
              visit(k) visit(x)
              if is_metamethod(k) then
                snapshot[#snapshot + 1], snapshot[#snapshot + 2], snapshot[#snapshot + 3] = v, k, x
              end
            end
            visit(rawgetmetatable(v))
            freeze(v)
          end
        elseif getinfo(v, "S").what == "C" then
          -- A C closure keeps state only in a userdata upvalue (string.gmatch's iterator keeps
          -- its position there), which cannot be frozen or put back: refuse it.
          local i = 1
          while true do
            local name, value = getupvalue(v, i)
            if name == nil then break end
            if type(value) == "userdata" then
              error("a string.gmatch iterator made while loading would keep its position from call to call; "
                    .. "make it inside the call", 0)
            end
            i = i + 1
          end
        else
          local i = 1
          while true do
            local name, value = getupvalue(v, i)
            if name == nil then break end
            local id = upvalueid(v, i)
            if not captured[id] then
              captured[id] = true
              snapshot[#snapshot + 1], snapshot[#snapshot + 2], snapshot[#snapshot + 3] = v, i, value
              visit(value)
            end
            i = i + 1
          end
        end
      end
      return snapshot
    end

    return builtins, layer, lock, seal
    """#

    func installSandbox(_ L: OpaquePointer) throws(LuaError) {
        for (name, open) in [("_G", luaopen_base), ("string", luaopen_string), ("table", luaopen_table),
                             ("math", luaopen_math), ("utf8", luaopen_utf8)] as [(String, lua_CFunction)] {
            luaL_requiref(L, name, open, 1)
            lua_settop(L, 0)
        }
        clua_install_bounded_library(L)
        let messages = ["", "instruction budget exceeded", "call cancelled", "time limit exceeded", "memory limit exceeded"]
        var refs: [Int32] = []
        for message in messages {
            pushString(message, to: L)
            refs.append(luaL_ref(L, clua_registryindex()))
        }
        control.pointee.stop_message_ref = (refs[0], refs[1], refs[2], refs[3], refs[4])
        try compile(L, source: Self.prelude, chunkName: "sandbox")
        lua_rawgeti(L, clua_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        luaL_requiref(L, "debug", luaopen_debug, 0)  // for the prelude only: never in a layer
        lua_createtable(L, 0, 0)
        lua_pushvalue(L, -1)
        lua_setfield(L, clua_registryindex(), CLUA_FROZEN_KEY)
        hiddenRef = luaL_ref(L, clua_registryindex())
        for name in ["next", "rawget", "rawlen"] {
            lua_rawgeti(L, clua_registryindex(), lua_Integer(hiddenRef))
            clua_push_see_through(L, -1, name)
            clua_remove(L, -2)
        }
        lua_rawgeti(L, clua_registryindex(), lua_Integer(hiddenRef))
        // hidden_of must be first-class for the prelude: move it before the see-through builtins.
        clua_insert(L, -4)
        try protectedCall(L, arguments: 6, results: 4)
        sealRef = luaL_ref(L, clua_registryindex())
        lockRef = luaL_ref(L, clua_registryindex())
        layerRef = luaL_ref(L, clua_registryindex())
        builtinsRef = luaL_ref(L, clua_registryindex())
        // The hidden table is weak-keyed so frozen tables of a dropped layer can be collected.
        lua_rawgeti(L, clua_registryindex(), lua_Integer(hiddenRef))
        lua_createtable(L, 0, 1)
        pushString("k", to: L)
        lua_setfield(L, -2, "__mode")
        lua_setmetatable(L, -2)
        lua_settop(L, 0)
        registerHost("bucket", .raw(Self.bucket), inBuiltins: true)
        try pushLayer()
    }

    /// Starts a new layer of globals over the current one. Chunks loaded from now on define
    /// their globals in it and see those of the layers below; code loaded into a lower layer
    /// never sees it. The test runner loads the policy into the first layer and the test
    /// harness into a second, so the policy cannot see or replace anything the tests use.
    public func pushLayer() throws(LuaError) {
        let L = try open()
        guard !isLocked else { throw LuaError(.runtime, "cannot add a layer: the state is locked") }
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        lua_rawgeti(L, clua_registryindex(), lua_Integer(layerRef))
        lua_rawgeti(L, clua_registryindex(), lua_Integer(globalsRef == 0 ? builtinsRef : globalsRef))
        try protectedCall(L, arguments: 1, results: 2)
        globalsRef = luaL_ref(L, clua_registryindex())
        envRef = luaL_ref(L, clua_registryindex())
    }

    /// Freezes every table the chunks of the current layer built while loading and records
    /// the upvalues their functions captured; after every later call those upvalues are put
    /// back, and a call that changed one fails (``LuaError/Kind/impure``). Call once, after
    /// the policy loaded and before ``lock()``.
    public func seal() throws(LuaError) {
        let L = try open()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        lua_rawgeti(L, clua_registryindex(), lua_Integer(sealRef))
        lua_rawgeti(L, clua_registryindex(), lua_Integer(globalsRef))
        let saved = limits
        // Sealing is host work: it may touch every value the policy built, so it runs unbudgeted.
        control.pointee.budget = Int64.max / 2
        defer { limits = saved }
        try protectedCall(L, arguments: 1, results: 1)
        if snapshotRef != 0 { luaL_unref(L, clua_registryindex(), snapshotRef) }
        snapshotRef = luaL_ref(L, clua_registryindex())
    }

    /// Puts back every upvalue the last call changed; returns the first one's name and line.
    func restoreUpvalues(_ L: OpaquePointer) -> (name: String, chunk: String, line: Int)? {
        guard snapshotRef != 0 else { return nil }
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        lua_rawgeti(L, clua_registryindex(), lua_Integer(snapshotRef))
        var name: UnsafePointer<CChar>?
        var line: Int32 = 0
        var source = [CChar](repeating: 0, count: Int(LUA_IDSIZE) + 1)
        guard clua_restore_upvalues(L, -1, &name, &line, &source) > 0 else { return nil }
        let chunk = source.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return (name.map { String(cString: $0) } ?? "?", chunk, Int(line))
    }
}
