// Library functions that loop or copy in C, made to charge the work they do (see clua_host.h).
// Each wrapper reads its arguments the way the stock function will, charges the loop it is about
// to run, then calls the stock function on the same stack. Bytes a call allocates are charged by
// the allocator, so only loops that do not allocate need a charge here.
#include <limits.h>
#include <math.h>
#include <string.h>
#include "clua_host.h"

// Units for scanning `bytes` bytes.
static long long bytes_units(size_t bytes) { return 1 + (long long)(bytes / CLUA_BYTES_PER_UNIT); }

// Number of integers in [first, last] (0 when empty), saturating: the whole range of integers
// would wrap to 0 and be charged nothing.
static lua_Unsigned span(lua_Integer first, lua_Integer last) {
    if (last < first) return 0;
    lua_Unsigned difference = (lua_Unsigned)last - (lua_Unsigned)first;
    return difference == ~(lua_Unsigned)0 ? difference : difference + 1;
}

// The length of the table at `index`, read once. The stock table functions read it again
// themselves, so a __len that answers 2 to the wrapper and maxinteger to the stock function
// would run an uncharged C loop of 2^63 steps: a table with a __len of its own is refused. A
// frozen table's __len is the sandbox's (the length of its contents), which cannot lie.
static lua_Integer length_once(lua_State *L, int index, const char *function) {
    if (luaL_getmetafield(L, index, "__len") != LUA_TNIL) {
        lua_pop(L, 1);
        lua_getfield(L, LUA_REGISTRYINDEX, CLUA_FROZEN_KEY);
        lua_pushvalue(L, index);
        int frozen = lua_rawget(L, -2) != LUA_TNIL;
        lua_pop(L, 2);
        if (!frozen) luaL_error(L, "%s: tables with a __len metamethod are not supported in the sandbox", function);
    }
    return luaL_len(L, index);
}

static long long clamp_units(lua_Unsigned n) {
    return n > (lua_Unsigned)LLONG_MAX / 2 ? LLONG_MAX / 2 : (long long)n;
}

// Relative string position as lstrlib reads it: negative counts from the end.
static lua_Integer relative_start(lua_Integer pos, size_t len) {
    if (pos > 0) return pos;
    if (pos == 0) return 1;
    if (pos < -(lua_Integer)len) return 1;
    return (lua_Integer)len + pos + 1;
}
static lua_Integer relative_end(lua_Integer pos, size_t len) {
    if (pos > (lua_Integer)len) return (lua_Integer)len;
    if (pos >= 0) return pos;
    if (pos < -(lua_Integer)len) return 0;
    return (lua_Integer)len + pos + 1;
}

static int call_original(lua_State *L) {
    lua_CFunction original = lua_tocfunction(L, lua_upvalueindex(1));
    return original(L);
}

// string.rep(s, n, sep): n copies; with empty strings the stock loop still runs n times.
static int bounded_rep(lua_State *L) {
    size_t l, lsep;
    luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &lsep);
    if (n > 0) {
        double total = (double)n * (double)(l + lsep);
        if (total > (double)clua_control(L)->max_string)
            return luaL_error(L, "resulting string too large (the sandbox allows %d bytes per string)",
                              (int)clua_control(L)->max_string);
        clua_charge(L, clamp_units((lua_Unsigned)n) + bytes_units((size_t)total));
    }
    return call_original(L);
}

// string.byte(s, i, j): one pushed value per byte.
static int bounded_byte(lua_State *L) {
    size_t l;
    luaL_checklstring(L, 1, &l);
    lua_Integer given = luaL_optinteger(L, 2, 1);
    lua_Integer first = relative_start(given, l);
    lua_Integer last = relative_end(luaL_optinteger(L, 3, given), l);
    lua_Unsigned count = span(first, last);
    if (count > CLUA_MAX_RESULTS) return luaL_error(L, "string slice too long (the sandbox allows %d values)", CLUA_MAX_RESULTS);
    clua_charge(L, 1 + (long long)count);
    return call_original(L);
}

// string.pack / packsize / unpack: the format drives the loop.
static int bounded_pack_format(lua_State *L, int format_index) {
    size_t l;
    luaL_checklstring(L, format_index, &l);
    if (l > CLUA_MAX_PACK_FORMAT)
        return luaL_error(L, "format string too long (the sandbox allows %d bytes)", CLUA_MAX_PACK_FORMAT);
    clua_charge(L, 1 + (long long)l);
    return call_original(L);
}
static int bounded_pack(lua_State *L) { return bounded_pack_format(L, 1); }

// table.concat(t, sep, i, j) visits j - i + 1 elements, through metamethods.
static int bounded_concat(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer first = luaL_optinteger(L, 3, 1);
    lua_Integer last = lua_isnoneornil(L, 4) ? length_once(L, 1, "concat") : luaL_checkinteger(L, 4);
    clua_charge(L, 1 + clamp_units(span(first, last)));
    return call_original(L);
}

// table.insert(t, pos, v) shifts the elements from pos up.
static int bounded_insert(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer size = length_once(L, 1, "insert");
    if (lua_gettop(L) == 3) {
        lua_Integer end = size + 1;
        lua_Integer pos = luaL_checkinteger(L, 2);
        clua_charge(L, 1 + clamp_units(span(pos, end)));
    }
    return call_original(L);
}

// table.remove(t, pos) shifts the elements above pos down.
static int bounded_remove(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer size = length_once(L, 1, "remove");
    lua_Integer pos = luaL_optinteger(L, 2, size);
    clua_charge(L, 1 + clamp_units(span(pos, size)));
    return call_original(L);
}

// table.move(a1, f, e, t, a2) copies e - f + 1 elements (even nils: no allocation at all).
static int bounded_move(lua_State *L) {
    lua_Integer first = luaL_checkinteger(L, 2);
    lua_Integer last = luaL_checkinteger(L, 3);
    clua_charge(L, 1 + clamp_units(span(first, last)));
    return call_original(L);
}

// table.sort(t, comp): about n log2 n comparisons, most of them in C for plain values. Two
// strings compare in time linear in their length, and far slower than memcmp when they hold
// NUL bytes (strcoll runs once per NUL-separated piece), so each comparison is charged as if
// it read the longest string in the table byte by byte: 1,000 strings of 256 KiB cost about
// 2.6 ms a comparison, and sorting them would have run 11 s without a single charge.
static int bounded_sort(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer n = length_once(L, 1, "sort");
    if (n > 1) {
        size_t longest = 0, bytes = 0;
        int has_nul = 0;
        lua_Integer scanned = 0;
        for (lua_Integer i = 1; i <= n && scanned < CLUA_MAX_SORT_SCAN; i++, scanned++) {
            if (lua_rawgeti(L, 1, i) == LUA_TSTRING) {
                size_t l;
                const char *s = lua_tolstring(L, -1, &l);
                if (l > longest) longest = l;
                if (!has_nul && memchr(s, 0, l) != NULL) has_nul = 1;
                bytes += l;
            }
            lua_pop(L, 1);
        }
        clua_charge(L, 1 + scanned + bytes_units(bytes));
        // Plain strings compare at memcmp speed, strings with NULs a piece at a time.
        double per_comparison = has_nul ? (double)longest : (double)longest / CLUA_BYTES_PER_UNIT;
        double units = (double)n * (2.0 + log2((double)n)) * (1.0 + per_comparison);
        clua_charge(L, units > 1e15 ? (long long)1e15 : (long long)units);
    }
    return call_original(L);
}

// table.unpack(t, i, j): one pushed value per element.
static int bounded_unpack(lua_State *L) {
    lua_Integer first = luaL_optinteger(L, 2, 1);
    lua_Integer last = lua_isnoneornil(L, 3) ? length_once(L, 1, "unpack") : luaL_checkinteger(L, 3);
    lua_Unsigned count = span(first, last);
    if (count > CLUA_MAX_RESULTS) return luaL_error(L, "too many results to unpack (the sandbox allows %d)", CLUA_MAX_RESULTS);
    clua_charge(L, 1 + (long long)count);
    return call_original(L);
}

// utf8.codepoint(s, i, j): one pushed value per character, at most one per byte.
static int bounded_codepoint(lua_State *L) {
    size_t l;
    luaL_checklstring(L, 1, &l);
    lua_Integer first = relative_start(luaL_optinteger(L, 2, 1), l);
    lua_Integer last = relative_end(luaL_optinteger(L, 3, first), l);
    lua_Unsigned count = span(first, last);
    if (count > CLUA_MAX_RESULTS) return luaL_error(L, "string slice too long (the sandbox allows %d values)", CLUA_MAX_RESULTS);
    clua_charge(L, 1 + (long long)count);
    return call_original(L);
}

// utf8.len, utf8.offset, tonumber: one scan over the string.
static int bounded_scan(lua_State *L) {
    size_t l = 0;
    if (lua_type(L, 1) == LUA_TSTRING) lua_tolstring(L, 1, &l);
    clua_charge(L, bytes_units(l));
    return call_original(L);
}

// What the sandbox changes in the stock libraries: a wrapper over the stock function, or a
// function of its own (pattern matching).
static const struct Bounded {
    const char *library;          // NULL: the base library (the globals)
    const char *name;
    lua_CFunction function;
    int wraps;                    // 1: `function` calls the stock one, kept as its upvalue
} bounded[] = {
    {NULL, "tonumber", bounded_scan, 1},
    {"string", "rep", bounded_rep, 1},
    {"string", "byte", bounded_byte, 1},
    {"string", "pack", bounded_pack, 1},
    {"string", "packsize", bounded_pack, 1},
    {"string", "unpack", bounded_pack, 1},
    {"string", "find", clua_str_find, 0},
    {"string", "match", clua_str_match, 0},
    {"string", "gmatch", clua_str_gmatch, 0},
    {"string", "gsub", clua_str_gsub, 0},
    {"table", "concat", bounded_concat, 1},
    {"table", "insert", bounded_insert, 1},
    {"table", "remove", bounded_remove, 1},
    {"table", "move", bounded_move, 1},
    {"table", "sort", bounded_sort, 1},
    {"table", "unpack", bounded_unpack, 1},
    {"utf8", "codepoint", bounded_codepoint, 1},
    {"utf8", "len", bounded_scan, 1},
    {"utf8", "offset", bounded_scan, 1},
};

void clua_install_bounded_library(lua_State *L) {
    for (size_t i = 0; i < sizeof bounded / sizeof bounded[0]; i++) {
        const struct Bounded *b = &bounded[i];
        lua_pushglobaltable(L);
        if (b->library != NULL && lua_getfield(L, -1, b->library) != LUA_TTABLE) { lua_pop(L, 2); continue; }
        if (b->wraps) {
            if (lua_getfield(L, -1, b->name) != LUA_TFUNCTION || lua_tocfunction(L, -1) == NULL) {
                lua_pop(L, b->library != NULL ? 3 : 2);
                continue;
            }
            lua_pushcclosure(L, b->function, 1);  // the stock function becomes upvalue 1
        } else {
            lua_pushcfunction(L, b->function);
        }
        lua_setfield(L, -2, b->name);
        lua_pop(L, b->library != NULL ? 2 : 1);
    }
}
