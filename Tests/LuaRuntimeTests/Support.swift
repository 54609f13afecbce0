@testable import LuaRuntime

/// A locked state with `source` loaded as "test.lua".
func makeState(_ source: String, limits: LuaLimits = LuaLimits()) throws -> LuaState {
    let state = try LuaState(limits: limits)
    try state.load(source: source, chunkName: "test.lua")
    state.lock()
    return state
}

/// Runs `body`, expecting a LuaError, and returns it (nil if none was thrown).
func luaError(_ body: () throws -> Any) -> LuaError? {
    do {
        _ = try body()
        return nil
    } catch let error as LuaError {
        return error
    } catch {
        return nil
    }
}
