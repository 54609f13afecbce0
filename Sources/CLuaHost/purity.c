// The C parts of keeping policies pure: builtins that see through frozen tables, and the
// per-call check that restores the values a policy's load-time closures captured.
#include <string.h>
#include "clua_host.h"

// Replaces argument 1 by the frozen table's contents (upvalue 1 maps proxy -> contents).
static void see_through(lua_State *L) {
    lua_pushvalue(L, 1);
    if (lua_rawget(L, lua_upvalueindex(1)) == LUA_TTABLE) lua_replace(L, 1);
    else lua_pop(L, 1);
}

// next(t, k): the stock function over a frozen table's contents.
static int next_through(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    see_through(L);
    if (lua_next(L, 1)) return 2;
    lua_pushnil(L);
    return 1;
}

// rawget(t, k)
static int rawget_through(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    lua_settop(L, 2);
    see_through(L);
    lua_rawget(L, 1);
    return 1;
}

// rawlen(v)
static int rawlen_through(lua_State *L) {
    int t = lua_type(L, 1);
    luaL_argexpected(L, t == LUA_TTABLE || t == LUA_TSTRING, 1, "table or string");
    lua_settop(L, 1);
    if (t == LUA_TTABLE) see_through(L);
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, 1));
    return 1;
}

void clua_push_see_through(lua_State *L, int hidden_index, const char *name) {
    hidden_index = lua_absindex(L, hidden_index);
    lua_CFunction f = name[0] == 'n' ? next_through : (name[3] == 'g' ? rawget_through : rawlen_through);
    lua_pushvalue(L, hidden_index);
    lua_pushcclosure(L, f, 1);
}

// Whether the values at a and b are the same value, not merely equal: rawequal says 0 == 0.0
// == -0.0 and 5 == 5.0, yet math.type and 1/x tell them apart, so a call could leave a mark
// that the check would miss.
static int same_value(lua_State *L, int a, int b) {
    if (lua_type(L, a) != lua_type(L, b)) return 0;
    if (lua_type(L, a) == LUA_TNUMBER) {
        if (lua_isinteger(L, a) != lua_isinteger(L, b)) return 0;
        if (lua_isinteger(L, a)) return lua_tointeger(L, a) == lua_tointeger(L, b);
        lua_Number x = lua_tonumber(L, a), y = lua_tonumber(L, b);
        return memcmp(&x, &y, sizeof x) == 0;
    }
    return lua_rawequal(L, a, b);
}

int clua_restore_upvalues(lua_State *L, int snapshot_index, const char **changed, int *changed_line, char *changed_source) {
    snapshot_index = lua_absindex(L, snapshot_index);
    lua_Integer count = (lua_Integer)lua_rawlen(L, snapshot_index);
    int restored = 0;
    if (!lua_checkstack(L, 4)) return 0;
    for (lua_Integer i = 1; i + 2 <= count; i += 3) {
        int owner_type = lua_rawgeti(L, snapshot_index, i);  // a closure, or a frozen table
        if (owner_type == LUA_TTABLE) {
            // A metamethod field left in place by freeze: (table, name, value).
            lua_rawgeti(L, snapshot_index, i + 1);
            lua_pushvalue(L, -1);
            lua_rawget(L, -3);                              // table, name, current
            lua_rawgeti(L, snapshot_index, i + 2);          // table, name, current, saved
            if (!same_value(L, -1, -2)) {
                if (restored == 0) {
                    *changed = lua_tostring(L, -3);          // the name: a string kept by the snapshot
                    *changed_line = 0;
                    changed_source[0] = 0;
                }
                lua_remove(L, -2);                          // table, name, saved
                lua_rawset(L, -3);                          // table
                restored++;
                lua_pop(L, 1);
            } else {
                lua_pop(L, 4);
            }
            continue;
        }
        int n = (int)(lua_rawgeti(L, snapshot_index, i + 1), lua_tointeger(L, -1));
        lua_pop(L, 1);
        const char *name = lua_getupvalue(L, -1, n);  // its current value
        lua_rawgeti(L, snapshot_index, i + 2);      // the value it had after load
        if (name != NULL && !same_value(L, -1, -2)) {
            if (restored == 0) {
                *changed = name;
                lua_Debug ar;
                lua_pushvalue(L, -3);
                if (lua_getinfo(L, ">S", &ar)) {
                    *changed_line = ar.linedefined;
                    memcpy(changed_source, ar.short_src, LUA_IDSIZE);
                }
            }
            lua_setupvalue(L, -3, n);               // pops the saved value into the upvalue
            restored++;
            lua_pop(L, 2);
        } else {
            lua_pop(L, name != NULL ? 3 : 2);
        }
    }
    return restored;
}

int clua_call_isolated(lua_State *L) {
    int n = lua_gettop(L);
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_State *T = lua_newthread(L);  // inherits the call's hook: limits and coverage still apply
    lua_rotate(L, 1, 1);              // the thread stays referenced below what moves to it
    lua_xmove(L, T, n);
    int status = lua_pcall(T, n - 1, 1, 0);
    lua_xmove(T, L, 1);               // the result, or the error object
    if (status == LUA_OK) return 1;
    clua_Control *c = clua_control(L);
    // A stop inside the thread armed that thread's hook: arm this one too, so that the test
    // around the call cannot catch the stop either.
    if (c->stop != CLUA_RUNNING) lua_sethook(L, lua_gethook(L), LUA_MASKCOUNT | LUA_MASKLINE, 1);
    return lua_error(L);
}
