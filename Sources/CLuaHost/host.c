// The state's allocator, count hook, stop mechanism and host-function trampoline.
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "clua_host.h"

long long clua_monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
}

static void clua_hook(lua_State *L, lua_Debug *ar);

// Once a call is stopped the hook fires on every instruction and raises each time.
static void arm_every_instruction(lua_State *L) {
    lua_sethook(L, clua_hook, LUA_MASKCOUNT | LUA_MASKLINE, 1);
}

// Tracks bytes and refuses growth past the cap during calls; refusal makes Lua raise
// LUA_ERRMEM cleanly and the state stays consistent. Growth also costs budget (copying and
// building strings is work the count hook cannot see), and a call whose budget is spent gets no
// more memory: the allocator cannot raise, so it re-arms the hook, which raises at the next
// instruction even if the script caught the memory error.
static void *clua_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    clua_Control *c = (clua_Control *)ud;
    int is_new_string = (ptr == NULL && osize == LUA_TSTRING);
    if (ptr == NULL) osize = 0;  // then osize encodes the object type, not a size
    if (nsize == 0) { free(ptr); c->used -= osize; return NULL; }
    if (nsize > osize && c->enforce) {
        if (c->stop != CLUA_RUNNING) { c->refused = 1; return NULL; }
        if (c->used - osize + nsize > c->limit) { c->refused = 1; return NULL; }
        // A string object is its header plus its bytes; 64 covers any header.
        if (is_new_string && nsize > c->max_string + 64) { c->refused_string = 1; return NULL; }
        c->executed += (long long)((nsize - osize) / CLUA_BYTES_PER_UNIT);
        if (c->executed > c->budget) {
            c->stop = CLUA_STOP_BUDGET;
            arm_every_instruction(c->L);
            c->refused = 1;
            return NULL;
        }
    }
    void *p = realloc(ptr, nsize);
    if (p != NULL) { c->used = c->used - osize + nsize; if (c->used > c->peak) c->peak = c->used; }
    return p;
}

lua_State *clua_newstate(clua_Control *c) {
    lua_State *L = lua_newstate(clua_alloc, c);
    if (L != NULL) {
        *(clua_Control **)lua_getextraspace(L) = c;
        c->L = L;
    }
    return L;
}

void clua_arm(lua_State *L, long long timeout_ns) {
    clua_Control *c = clua_control(L);
    c->deadline_ns = timeout_ns > 0 ? clua_monotonic_ns() + timeout_ns : 0;
    c->next_clock_check = c->granularity;
    lua_sethook(L, clua_hook, LUA_MASKCOUNT | (c->coverage ? LUA_MASKLINE : 0), c->granularity);
}

void clua_disarm(lua_State *L) { lua_sethook(L, NULL, 0, 0); }

static void record_position(clua_Control *c, lua_State *L, lua_Debug *ar) {
    if (ar != NULL && lua_getinfo(L, "Sl", ar) && ar->currentline > 0) {
        c->stop_line = ar->currentline;
        memcpy(c->stop_source, ar->short_src, LUA_IDSIZE);
    }
}

static int raise_stop(lua_State *L, clua_Control *c) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->stop_message_ref[c->stop]);
    return lua_error(L);
}

int clua_stop(lua_State *L, int kind) {
    clua_Control *c = clua_control(L);
    if (c->stop == CLUA_RUNNING) {
        c->stop = kind;
        lua_Debug ar;
        // Level 1 is the Lua function that called the C function being charged.
        if (lua_getstack(L, 1, &ar)) record_position(c, L, &ar);
        arm_every_instruction(L);
    }
    return raise_stop(L, c);
}

// Budget, deadline and cancellation (Redis style): once a call is stopped it re-arms itself to
// fire on every instruction and raises each time, so a script's pcall cannot swallow the stop.
static void clua_hook(lua_State *L, lua_Debug *ar) {
    clua_Control *c = clua_control(L);
    if (c->stop == CLUA_RUNNING) {
        if (ar->event == LUA_HOOKLINE) {
            if (c->record != NULL && lua_getinfo(L, "S", ar)) c->record(c->owner, ar->source, ar->currentline);
            return;
        }
        c->executed += c->granularity;
        c->next_clock_check = c->executed + c->granularity;
        if (c->executed > c->budget) c->stop = CLUA_STOP_BUDGET;
        else if (c->deadline_ns != 0 && clua_monotonic_ns() > c->deadline_ns) c->stop = CLUA_STOP_DEADLINE;
        else if (c->poll != NULL && c->poll(c->owner)) c->stop = CLUA_STOP_CANCELLED;
        else return;
        record_position(c, L, ar);
        arm_every_instruction(L);
    } else if (c->stop_line == 0) {
        record_position(c, L, ar);  // stopped by the allocator, which cannot ask where
    }
    raise_stop(L, c);
}

// Host-function trampoline: the Swift dispatcher never raises; if it reports an error we add
// the caller's position and raise here, from C. Limits are lifted while host code pushes.
static int clua_host_trampoline(lua_State *L) {
    clua_Control *c = clua_control(L);
    int saved = c->enforce;
    c->enforce = 0;
    int n = c->dispatch(L, c->owner, (int)lua_tointeger(L, lua_upvalueindex(1)));
    if (n < 0) { luaL_where(L, 1); lua_rotate(L, -2, 1); lua_concat(L, 2); }
    c->enforce = saved;
    if (n < 0) return lua_error(L);
    return n;
}

void clua_push_host_function(lua_State *L, int index) {
    lua_pushinteger(L, index);
    lua_pushcclosure(L, clua_host_trampoline, 1);
}
