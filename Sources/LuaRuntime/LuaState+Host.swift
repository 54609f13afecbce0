import CLua
import CLuaHost

/// A function the host exposes to Lua.
enum HostFunction {
    /// Reads its arguments and pushes its result itself (allocation-free fast path); returns
    /// the result count, or -1 with an error message pushed.
    case raw((OpaquePointer) -> Int32)
    /// Receives converted arguments and returns one converted result. Errors read
    /// "<prefix>: <message>"; the first argument is named `firstArgument` in conversion errors.
    case values(prefix: String, firstArgument: String, ([LuaValue]) throws -> LuaValue)
}

extension LuaState {
    /// Exposes `fn` to scripts as global `name` of the current layer (call before ``lock()``). Arguments arrive as
    /// ``LuaValue``s, the result is pushed back; a thrown ``LuaError``'s message becomes a Lua
    /// error at the caller's line, any other error becomes "name: host function failed".
    ///
    /// ```swift
    /// state.register("fixture") { args in try LuaHelpers.jsonDecode(fixtures[args[0].stringValue ?? ""] ?? "null") }
    /// ```
    ///
    /// `errorPrefix` (default: the name) starts every error message of the function, and
    /// `firstArgument` names the first argument in conversion errors (default "argument 1").
    public func register(_ name: String, errorPrefix: String? = nil, firstArgument: String = "argument 1",
                         _ fn: @escaping ([LuaValue]) throws -> LuaValue) {
        registerHost(name, .values(prefix: errorPrefix ?? name, firstArgument: firstArgument, fn))
    }

    /// Defines global `name` of the current layer as `name(f, ...)`: calls `f(...)` on a fresh
    /// Lua stack holding nothing but that call, as the host's own calls are made, and returns its
    /// first result (errors propagate). The test harness calls entry functions through it.
    public func registerIsolatedCaller(_ name: String) throws(LuaError) {
        let L = try open()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        lua_rawgeti(L, clua_registryindex(), lua_Integer(globalsRef))
        pushString(name, to: L)
        clua_pushcfunction(L, clua_call_isolated)
        lua_rawset(L, -3)
    }

    /// Sets global `name` to a plain value (host constants, before ``lock()``).
    public func setGlobal(_ name: String, _ value: LuaValue) throws(LuaError) {
        let L = try open()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        lua_rawgeti(L, clua_registryindex(), lua_Integer(globalsRef))
        pushString(name, to: L)
        try value.push(to: L)
        lua_rawset(L, -3)
    }

    /// Adds a host function to the current layer, or to the builtins every layer sees.
    func registerHost(_ name: String, _ function: HostFunction, inBuiltins: Bool = false) {
        guard let L = handle else { return }
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        hostFunctions.append(function)
        lua_rawgeti(L, clua_registryindex(), lua_Integer(inBuiltins ? builtinsRef : globalsRef))
        pushString(name, to: L)
        clua_push_host_function(L, Int32(hostFunctions.count - 1))
        lua_rawset(L, -3)
    }

    /// Called by the C trampoline. Never raises: on error it leaves only a message on the
    /// stack and returns -1, and the trampoline raises it from C.
    func dispatchHost(_ L: OpaquePointer, _ index: Int) -> Int32 {
        switch hostFunctions[index] {
        case .raw(let body):
            return body(L)
        case .values(let name, let firstArgument, let body):
            let count = lua_gettop(L)
            do {
                var args: [LuaValue] = []
                args.reserveCapacity(Int(count))
                for i in stride(from: 1, through: count, by: 1) {
                    args.append(try LuaValue.read(from: L, at: i, root: i == 1 ? firstArgument : "argument \(i)", limits: limits))
                }
                let result = try body(args)
                lua_settop(L, count)
                try result.push(to: L)
                return 1
            } catch let error as LuaError {
                lua_settop(L, count)
                pushString("\(name): \(error.message)", to: L)
                return -1
            } catch {
                lua_settop(L, count)
                pushString("\(name): host function failed", to: L)
                return -1
            }
        }
    }

    /// `bucket(key)`: reads the key's bytes in place and pushes 1...100 without allocating.
    static func bucket(_ L: OpaquePointer) -> Int32 {
        let type = lua_type(L, 1)
        guard type == LUA_TSTRING || type == LUA_TNUMBER else {
            pushString("bucket: expected a string key, got \(String(cString: lua_typename(L, type)))", to: L)
            return -1
        }
        var length = 0
        let bytes = lua_tolstring(L, 1, &length)
        lua_pushinteger(L, lua_Integer(LuaHelpers.bucket(bytes: UnsafeRawBufferPointer(start: bytes, count: length))))
        return 1
    }
}
