#ifndef ORACLE_CLUA_HOST_H
#define ORACLE_CLUA_HOST_H
// The only C in CLua that is not a macro wrapper. It exists because Lua reports errors with
// longjmp, and a longjmp must never cross a Swift frame (it would skip releases, defers and
// exclusivity bookkeeping). So everything that *raises* lives here, in C frames with no Swift
// between them and Lua: the count/line hook, the host-function trampoline. The allocator is
// here too because it runs on every allocation and must know the per-call limit.
#include <stdlib.h>
#include <string.h>
#include <lua5.4/lua.h>
#include <lua5.4/lauxlib.h>

enum { CLUA_RUNNING = 0, CLUA_STOP_BUDGET = 1, CLUA_STOP_CANCELLED = 2 };

// Swift host function dispatcher: returns the number of results, or -1 with an error message
// on top of the stack (the trampoline raises it). Never raises itself.
typedef int (*clua_HostDispatch)(lua_State *L, void *owner, int index);
// Polls the owner's cancellation flag from the count hook; nonzero means cancel.
typedef int (*clua_CancelPoll)(void *owner);
// Records one executed line when coverage is on.
typedef void (*clua_LineRecorder)(void *owner, const char *source, int line);

// Per-state context shared by Swift and the C hook/allocator. Swift owns the memory; the
// state's extra space points at it. All fields are touched only by the thread running the
// state (cancellation goes through `poll`, which reads a Swift atomic).
typedef struct clua_Control {
    size_t used, limit, peak;     // allocator bytes; `limit` applies only while `enforce`
    int enforce, refused;         // refused: an allocation was denied during this call
    long long budget, executed;   // instructions: allowed per call, counted so far
    int granularity;              // count-hook period in VM instructions
    int stop;                     // CLUA_STOP_*: once set the hook raises on every instruction
    int coverage;                 // also fire on lines and report them to `record`
    int stop_line;                // where the call was stopped (0 if unknown)
    char stop_source[LUA_IDSIZE];
    int stop_message_ref[3];      // registry refs of pre-made messages (no allocation to raise)
    clua_HostDispatch dispatch;
    clua_CancelPoll poll;
    clua_LineRecorder record;
    void *owner;
} clua_Control;

static inline clua_Control *clua_control(lua_State *L) {
    return *(clua_Control **)lua_getextraspace(L);
}

// The allocator passed to lua_newstate: tracks bytes and refuses growth past the cap during
// calls. Refusal makes Lua raise LUA_ERRMEM cleanly; the state stays consistent.
static inline void *clua_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    clua_Control *c = (clua_Control *)ud;
    if (ptr == NULL) osize = 0;  // then osize encodes the object type, not a size
    if (nsize == 0) { free(ptr); c->used -= osize; return NULL; }
    if (nsize > osize && c->enforce && c->used - osize + nsize > c->limit) { c->refused = 1; return NULL; }
    void *p = realloc(ptr, nsize);
    if (p != NULL) { c->used = c->used - osize + nsize; if (c->used > c->peak) c->peak = c->used; }
    return p;
}

static inline void clua_hook(lua_State *L, lua_Debug *ar);

// Arms the hook for one call: counts every `granularity` instructions (and lines for coverage).
static inline void clua_arm(lua_State *L) {
    clua_Control *c = clua_control(L);
    lua_sethook(L, clua_hook, LUA_MASKCOUNT | (c->coverage ? LUA_MASKLINE : 0), c->granularity);
}
static inline void clua_disarm(lua_State *L) { lua_sethook(L, NULL, 0, 0); }

// Budget/cancellation hook (Redis style): once a call is stopped it re-arms itself to fire on
// every instruction and raises each time, so a script's pcall cannot swallow the stop.
static inline void clua_hook(lua_State *L, lua_Debug *ar) {
    clua_Control *c = clua_control(L);
    if (c->stop == CLUA_RUNNING) {
        if (ar->event == LUA_HOOKLINE) {
            if (c->record != NULL && lua_getinfo(L, "S", ar)) c->record(c->owner, ar->source, ar->currentline);
            return;
        }
        c->executed += c->granularity;
        if (c->executed > c->budget) c->stop = CLUA_STOP_BUDGET;
        else if (c->poll != NULL && c->poll(c->owner)) c->stop = CLUA_STOP_CANCELLED;
        else return;
        if (lua_getinfo(L, "Sl", ar)) {
            c->stop_line = ar->currentline;
            memcpy(c->stop_source, ar->short_src, LUA_IDSIZE);
        }
        lua_sethook(L, clua_hook, LUA_MASKCOUNT | LUA_MASKLINE, 1);
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->stop_message_ref[c->stop]);
    lua_error(L);
}

// Host-function trampoline: the Swift dispatcher never raises; if it reports an error we add
// the caller's position and raise here, from C. Limits are lifted while host code pushes.
static inline int clua_host_trampoline(lua_State *L) {
    clua_Control *c = clua_control(L);
    int saved = c->enforce;
    c->enforce = 0;
    int n = c->dispatch(L, c->owner, (int)lua_tointeger(L, lua_upvalueindex(1)));
    if (n < 0) { luaL_where(L, 1); lua_rotate(L, -2, 1); lua_concat(L, 2); }
    c->enforce = saved;
    if (n < 0) return lua_error(L);
    return n;
}

// Pushes host function number `index` as a closure over the trampoline.
static inline void clua_push_host_function(lua_State *L, int index) {
    lua_pushinteger(L, index);
    lua_pushcclosure(L, clua_host_trampoline, 1);
}

// Creates a state whose allocator and extra space use `c`.
static inline lua_State *clua_newstate(clua_Control *c) {
    lua_State *L = lua_newstate(clua_alloc, c);
    if (L != NULL) *(clua_Control **)lua_getextraspace(L) = c;
    return L;
}

#endif
