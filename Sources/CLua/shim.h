#ifndef ORACLE_CLUA_SHIM_H
#define ORACLE_CLUA_SHIM_H
// Lua 5.4's C API: the headers, plus static inline wrappers for the parts that are
// macros (Swift imports no function-like macros). Each wrapper says why it exists.
#include <lua5.4/lua.h>
#include <lua5.4/lauxlib.h>
#include <lua5.4/lualib.h>
#include <string.h>


// lua_pcall is a macro over lua_pcallk.
static inline int clua_pcall(lua_State *L, int nargs, int nresults, int msgh) {
    return lua_pcall(L, nargs, nresults, msgh);
}
// lua_pop is a macro over lua_settop.
static inline void clua_pop(lua_State *L, int n) { lua_pop(L, n); }
// lua_newtable is a macro over lua_createtable.
static inline void clua_newtable(lua_State *L) { lua_newtable(L); }
// lua_tostring is a macro over lua_tolstring.
static inline const char *clua_tostring(lua_State *L, int i) { return lua_tostring(L, i); }
// lua_tonumber / lua_tointeger are macros over the ...x variants.
static inline lua_Number clua_tonumber(lua_State *L, int i) { return lua_tonumber(L, i); }
static inline lua_Integer clua_tointeger(lua_State *L, int i) { return lua_tointeger(L, i); }
// luaL_loadbuffer is a macro over luaL_loadbufferx.
static inline int clua_loadbuffer(lua_State *L, const char *buf, size_t sz, const char *name, const char *mode) {
    return luaL_loadbufferx(L, buf, sz, name, mode);
}
// lua_isnil / lua_istable / lua_isfunction are macros over lua_type.
static inline int clua_isnil(lua_State *L, int i) { return lua_isnil(L, i); }
// lua_upvalueindex and LUA_REGISTRYINDEX are macros.
static inline int clua_upvalueindex(int i) { return lua_upvalueindex(i); }
static inline int clua_registryindex(void) { return LUA_REGISTRYINDEX; }
// lua_pushcfunction is a macro over lua_pushcclosure.
static inline void clua_pushcfunction(lua_State *L, lua_CFunction f) { lua_pushcfunction(L, f); }
// lua_getextraspace is a macro (pointer arithmetic on the state).
static inline void *clua_getextraspace(lua_State *L) { return lua_getextraspace(L); }

// lua_insert / lua_remove are macros over lua_rotate (+ lua_settop).
static inline void clua_insert(lua_State *L, int i) { lua_insert(L, i); }
static inline void clua_remove(lua_State *L, int i) { lua_remove(L, i); }

#endif
