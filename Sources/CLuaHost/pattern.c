// Lua 5.4 pattern matching (reference manual §6.4.1) for the sandbox, written for this project
// so that every step of the matcher is charged to the call's budget. The stock matcher runs in
// C without any hook: `("a"):rep(400):find(".-.-.-b")` takes seconds in 21 VM instructions and
// `("a*"):rep(16).."b"` against 16 a's takes minutes. Behaviour (results, positions, captures,
// error messages) is that of the stock string.find/match/gmatch/gsub, which
// Tests/LuaRuntimeTests/PatternEquivalenceTests.swift checks on a generated corpus.
//
// Subjects and patterns are Lua strings, so each is followed by a '\0' byte: reads one past the
// end (as the stock matcher does) see 0, which matches nothing but a literal NUL.
#include <ctype.h>
#include <string.h>
#include "clua_host.h"

#define ESCAPE '%'
#define SPECIALS "^$*+?.([%-"
#define MAX_CAPTURES 32
#define MAX_DEPTH 200             // recursion depth of the matcher ("pattern too complex")
#define CAPTURE_OPEN (-1)
#define CAPTURE_POSITION (-2)
#define STEPS_PER_CHARGE 256      // steps counted locally before they are charged

typedef struct Matcher {
    const char *subject, *subject_end, *pattern_end;
    lua_State *L;
    int depth_left;
    int level;                    // captures opened so far
    long long steps;              // steps not yet charged
    struct { const char *start; ptrdiff_t length; } capture[MAX_CAPTURES];
} Matcher;

static inline void step(Matcher *m, long long n) {
    m->steps += n;
    if (m->steps >= STEPS_PER_CHARGE) {
        long long units = m->steps;
        m->steps = 0;
        clua_charge(m->L, units);
    }
}

static void flush_steps(Matcher *m) {
    long long units = m->steps;
    m->steps = 0;
    if (units > 0) clua_charge(m->L, units);
}

static const char *match(Matcher *m, const char *s, const char *p);

static int capture_index(Matcher *m, int c) {
    int index = c - '1';
    if (index < 0 || index >= m->level || m->capture[index].length == CAPTURE_OPEN)
        return luaL_error(m->L, "invalid capture index %%%d", index + 1);
    return index;
}

static int open_capture(Matcher *m) {
    for (int level = m->level - 1; level >= 0; level--)
        if (m->capture[level].length == CAPTURE_OPEN) return level;
    return luaL_error(m->L, "invalid pattern capture");
}

// The end of the single-character class starting at p (a char, %x or [set]).
static const char *class_end(Matcher *m, const char *p) {
    char c = *p++;
    if (c == ESCAPE) {
        if (p == m->pattern_end) luaL_error(m->L, "malformed pattern (ends with '%%')");
        return p + 1;
    }
    if (c == '[') {
        if (*p == '^') p++;
        do {  // look for the closing ']'; the first character of a set may itself be ']'
            step(m, 1);
            if (p == m->pattern_end) luaL_error(m->L, "malformed pattern (missing ']')");
            if (*(p++) == ESCAPE && p < m->pattern_end) p++;
        } while (*p != ']');
        return p + 1;
    }
    return p;
}

static int class_matches(int c, int class_letter) {
    int result;
    switch (tolower(class_letter)) {
        case 'a': result = isalpha(c); break;
        case 'c': result = iscntrl(c); break;
        case 'd': result = isdigit(c); break;
        case 'g': result = isgraph(c); break;
        case 'l': result = islower(c); break;
        case 'p': result = ispunct(c); break;
        case 's': result = isspace(c); break;
        case 'u': result = isupper(c); break;
        case 'w': result = isalnum(c); break;
        case 'x': result = isxdigit(c); break;
        case 'z': result = (c == 0); break;  // deprecated in the manual, still accepted by 5.4
        default: return class_letter == c;  // %. %% %[ ... stand for the character itself
    }
    if (isupper(class_letter)) result = !result;
    return result;
}

// Whether c is in the set [p ... end], where p points at '[' and end at the closing ']'.
static int set_matches(Matcher *m, int c, const char *p, const char *end) {
    int found = 1;
    if (*(p + 1) == '^') { found = 0; p++; }
    while (++p < end) {
        step(m, 1);
        if (*p == ESCAPE) {
            p++;
            if (class_matches(c, (unsigned char)*p)) return found;
        } else if (*(p + 1) == '-' && p + 2 < end) {
            p += 2;
            if ((unsigned char)*(p - 2) <= c && c <= (unsigned char)*p) return found;
        } else if ((unsigned char)*p == c) {
            return found;
        }
    }
    return !found;
}

static int single_matches(Matcher *m, const char *s, const char *p, const char *ep) {
    if (s >= m->subject_end) return 0;
    int c = (unsigned char)*s;
    switch (*p) {
        case '.': return 1;
        case ESCAPE: return class_matches(c, (unsigned char)*(p + 1));
        case '[': return set_matches(m, c, p, ep - 1);
        default: return (unsigned char)*p == c;
    }
}

// %bxy: a balanced run from x to its matching y.
static const char *match_balance(Matcher *m, const char *s, const char *p) {
    if (p >= m->pattern_end - 1) luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    if (s >= m->subject_end || *s != *p) return NULL;
    int open = *p, close = *(p + 1), depth = 1;
    while (++s < m->subject_end) {
        step(m, 1);
        if (*s == close) {
            if (--depth == 0) return s + 1;
        } else if (*s == open) {
            depth++;
        }
    }
    return NULL;
}

// x* and x+: the longest run first, then shorter ones.
static const char *longest_first(Matcher *m, const char *s, const char *p, const char *ep) {
    ptrdiff_t count = 0;
    while (single_matches(m, s + count, p, ep)) { count++; step(m, 1); }
    for (; count >= 0; count--) {
        const char *result = match(m, s + count, ep + 1);
        if (result != NULL) return result;
    }
    return NULL;
}

// x-: the shortest run first, then longer ones.
static const char *shortest_first(Matcher *m, const char *s, const char *p, const char *ep) {
    for (;;) {
        const char *result = match(m, s, ep + 1);
        if (result != NULL) return result;
        if (!single_matches(m, s, p, ep)) return NULL;
        s++;
    }
}

static const char *start_capture(Matcher *m, const char *s, const char *p, ptrdiff_t what) {
    if (m->level >= MAX_CAPTURES) luaL_error(m->L, "too many captures");
    m->capture[m->level].start = s;
    m->capture[m->level].length = what;
    m->level++;
    const char *result = match(m, s, p);
    if (result == NULL) m->level--;
    return result;
}

static const char *end_capture(Matcher *m, const char *s, const char *p) {
    int level = open_capture(m);
    m->capture[level].length = s - m->capture[level].start;
    const char *result = match(m, s, p);
    if (result == NULL) m->capture[level].length = CAPTURE_OPEN;
    return result;
}

static const char *match_back_reference(Matcher *m, const char *s, int c) {
    int index = capture_index(m, c);
    size_t length = (size_t)m->capture[index].length;  // a position capture (-2) is huge: never matches
    step(m, 1 + (m->capture[index].length > 0 ? (long long)(length / CLUA_BYTES_PER_UNIT) : 0));
    if ((size_t)(m->subject_end - s) >= length && memcmp(m->capture[index].start, s, length) == 0) return s + length;
    return NULL;
}

static const char *match(Matcher *m, const char *s, const char *p) {
    if (m->depth_left-- == 0) luaL_error(m->L, "pattern too complex");
    for (;;) {
        step(m, 1);
        if (p == m->pattern_end) break;
        if (*p == '(') {
            s = *(p + 1) == ')' ? start_capture(m, s, p + 2, CAPTURE_POSITION) : start_capture(m, s, p + 1, CAPTURE_OPEN);
            break;
        }
        if (*p == ')') { s = end_capture(m, s, p + 1); break; }
        if (*p == '$' && p + 1 == m->pattern_end) { s = s == m->subject_end ? s : NULL; break; }
        if (*p == ESCAPE && *(p + 1) == 'b') {
            s = match_balance(m, s, p + 2);
            if (s == NULL) break;
            p += 4;
            continue;
        }
        if (*p == ESCAPE && *(p + 1) == 'f') {  // frontier: previous char not in set, current one in it
            p += 2;
            if (*p != '[') luaL_error(m->L, "missing '[' after '%%f' in pattern");
            const char *ep = class_end(m, p);
            int previous = s == m->subject ? '\0' : (unsigned char)*(s - 1);
            int current = s < m->subject_end ? (unsigned char)*s : '\0';
            if (!set_matches(m, previous, p, ep - 1) && set_matches(m, current, p, ep - 1)) { p = ep; continue; }
            s = NULL;
            break;
        }
        if (*p == ESCAPE && isdigit((unsigned char)*(p + 1))) {
            s = match_back_reference(m, s, (unsigned char)*(p + 1));
            if (s == NULL) break;
            p += 2;
            continue;
        }
        const char *ep = class_end(m, p);
        if (!single_matches(m, s, p, ep)) {
            if (*ep == '*' || *ep == '?' || *ep == '-') { p = ep + 1; continue; }  // zero repetitions
            s = NULL;
            break;
        }
        if (*ep == '?') {
            const char *result = match(m, s + 1, ep + 1);
            if (result != NULL) { s = result; break; }
            p = ep + 1;
            continue;
        }
        if (*ep == '+') { s = longest_first(m, s + 1, p, ep); break; }
        if (*ep == '*') { s = longest_first(m, s, p, ep); break; }
        if (*ep == '-') { s = shortest_first(m, s, p, ep); break; }
        s++;
        p = ep;
    }
    m->depth_left++;
    return s;
}

static void matcher_init(Matcher *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp) {
    m->L = L;
    m->subject = s;
    m->subject_end = s + ls;
    m->pattern_end = p + lp;
    m->steps = 0;
}

static void matcher_reset(Matcher *m) {
    m->level = 0;
    m->depth_left = MAX_DEPTH;
}

// Capture i of a match [s, e) pushed (+1); capture 0 without explicit captures is the match.
static void push_capture(Matcher *m, int i, const char *s, const char *e) {
    if (i >= m->level) {
        if (i != 0) luaL_error(m->L, "invalid capture index %%%d", i + 1);
        lua_pushlstring(m->L, s, (size_t)(e - s));
        return;
    }
    ptrdiff_t length = m->capture[i].length;
    if (length == CAPTURE_OPEN) luaL_error(m->L, "unfinished capture");
    if (length == CAPTURE_POSITION) lua_pushinteger(m->L, (m->capture[i].start - m->subject) + 1);
    else lua_pushlstring(m->L, m->capture[i].start, (size_t)length);
}

static int push_captures(Matcher *m, const char *s, const char *e) {
    int count = (m->level == 0 && s != NULL) ? 1 : m->level;
    luaL_checkstack(m->L, count, "too many captures");
    for (int i = 0; i < count; i++) push_capture(m, i, s, e);
    return count;
}

static int has_specials(const char *p, size_t lp) {
    size_t upto = 0;
    do {  // strpbrk stops at embedded zeros, so look past each one
        if (strpbrk(p + upto, SPECIALS)) return 1;
        upto += strlen(p + upto) + 1;
    } while (upto <= lp);
    return 0;
}

// Plain search, charged per candidate position by the bytes it compares.
static const char *find_plain(lua_State *L, const char *s, size_t ls, const char *p, size_t lp) {
    if (lp == 0) return s;
    if (lp > ls) return NULL;
    long long per_candidate = 1 + (long long)(lp / CLUA_BYTES_PER_UNIT);
    size_t rest = lp - 1, room = ls - rest;
    long long pending = 0;
    const char *at;
    while (room > 0 && (at = memchr(s, *p, room)) != NULL) {
        pending += per_candidate + (long long)((size_t)(at - s) / CLUA_BYTES_PER_UNIT);
        if (pending >= STEPS_PER_CHARGE) { clua_charge(L, pending); pending = 0; }
        at++;
        if (memcmp(at, p + 1, rest) == 0) { clua_charge(L, pending); return at - 1; }
        room -= (size_t)(at - s);
        s = at;
    }
    clua_charge(L, pending + 1);
    return NULL;
}

static size_t start_position(lua_Integer pos, size_t len) {
    if (pos > 0) return (size_t)pos;
    if (pos == 0) return 1;
    if (pos < -(lua_Integer)len) return 1;
    return len + (size_t)pos + 1;
}

static int find_or_match(lua_State *L, int find) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_position(luaL_optinteger(L, 3, 1), ls) - 1;
    if (init > ls) { lua_pushnil(L); return 1; }
    if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
        const char *at = find_plain(L, s + init, ls - init, p, lp);
        if (at != NULL) {
            lua_pushinteger(L, (at - s) + 1);
            lua_pushinteger(L, (lua_Integer)((at - s) + lp));
            return 2;
        }
    } else {
        Matcher m;
        const char *s1 = s + init;
        int anchor = (*p == '^');
        if (anchor) { p++; lp--; }
        matcher_init(&m, L, s, ls, p, lp);
        do {
            matcher_reset(&m);
            const char *e = match(&m, s1, p);
            if (e != NULL) {
                flush_steps(&m);
                if (find) {
                    lua_pushinteger(L, (s1 - s) + 1);
                    lua_pushinteger(L, e - s);
                    return push_captures(&m, NULL, 0) + 2;
                }
                return push_captures(&m, s1, e);
            }
        } while (s1++ < m.subject_end && !anchor);
        flush_steps(&m);
    }
    lua_pushnil(L);
    return 1;
}

int clua_str_find(lua_State *L) { return find_or_match(L, 1); }
int clua_str_match(lua_State *L) { return find_or_match(L, 0); }

typedef struct GmatchState {
    const char *next;             // where the next search starts
    const char *pattern;
    const char *last_match;       // end of the last match, to skip an empty match there
    Matcher m;
} GmatchState;

static int gmatch_step(lua_State *L) {
    GmatchState *g = (GmatchState *)lua_touserdata(L, lua_upvalueindex(3));
    g->m.L = L;
    for (const char *src = g->next; src <= g->m.subject_end; src++) {
        matcher_reset(&g->m);
        const char *e = match(&g->m, src, g->pattern);
        if (e != NULL && e != g->last_match) {
            flush_steps(&g->m);
            g->next = g->last_match = e;
            return push_captures(&g->m, src, e);
        }
    }
    flush_steps(&g->m);
    return 0;
}

int clua_str_gmatch(lua_State *L) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_position(luaL_optinteger(L, 3, 1), ls) - 1;
    lua_settop(L, 2);  // the subject and pattern stay alive as upvalues 1 and 2
    GmatchState *g = (GmatchState *)lua_newuserdatauv(L, sizeof(GmatchState), 0);
    if (init > ls) init = ls + 1;  // start after the end: no match
    matcher_init(&g->m, L, s, ls, p, lp);
    g->next = s + init;
    g->pattern = p;
    g->last_match = NULL;
    lua_pushcclosure(L, gmatch_step, 3);
    return 1;
}

// Appends the replacement string (argument 3) for the match [s, e), expanding %0-%9 and %%.
static void add_replacement_string(Matcher *m, luaL_Buffer *b, const char *s, const char *e) {
    lua_State *L = m->L;
    size_t l;
    const char *news = lua_tolstring(L, 3, &l);
    const char *p;
    while ((p = (const char *)memchr(news, ESCAPE, l)) != NULL) {
        luaL_addlstring(b, news, (size_t)(p - news));
        p++;
        if (*p == ESCAPE) {
            luaL_addchar(b, *p);
        } else if (*p == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else if (isdigit((unsigned char)*p)) {
            push_capture(m, *p - '1', s, e);
            luaL_tolstring(L, -1, NULL);  // a position capture is an integer: add its text
            lua_remove(L, -2);
            luaL_addvalue(b);
        } else {
            luaL_error(L, "invalid use of '%c' in replacement string", ESCAPE);
        }
        l -= (size_t)(p + 1 - news);
        news = p + 1;
        step(m, 1);
    }
    luaL_addlstring(b, news, l);
}

// Adds the replacement for the match [s, e); returns whether the text changed.
static int add_replacement(Matcher *m, luaL_Buffer *b, const char *s, const char *e, int kind) {
    lua_State *L = m->L;
    switch (kind) {
        case LUA_TFUNCTION: {
            lua_pushvalue(L, 3);
            int n = push_captures(m, s, e);
            lua_call(L, n, 1);
            break;
        }
        case LUA_TTABLE:
            push_capture(m, 0, s, e);
            lua_gettable(L, 3);
            break;
        default:
            add_replacement_string(m, b, s, e);
            return 1;
    }
    if (!lua_toboolean(L, -1)) {  // nil or false: keep the original text
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
        return 0;
    }
    if (!lua_isstring(L, -1)) return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    luaL_addvalue(b);
    return 1;
}

int clua_str_gsub(lua_State *L) {
    size_t srcl, lp;
    const char *src = luaL_checklstring(L, 1, &srcl);
    const char *p = luaL_checklstring(L, 2, &lp);
    const char *last_match = NULL;
    int kind = lua_type(L, 3);
    lua_Integer max_n = luaL_optinteger(L, 4, (lua_Integer)srcl + 1);
    int anchor = (*p == '^');
    lua_Integer n = 0;
    int changed = 0;
    Matcher m;
    luaL_Buffer b;
    luaL_argexpected(L, kind == LUA_TNUMBER || kind == LUA_TSTRING || kind == LUA_TFUNCTION || kind == LUA_TTABLE, 3,
                     "string/function/table");
    luaL_buffinit(L, &b);
    if (anchor) { p++; lp--; }
    matcher_init(&m, L, src, srcl, p, lp);
    while (n < max_n) {
        matcher_reset(&m);
        step(&m, 1);
        const char *e = match(&m, src, p);
        if (e != NULL && e != last_match) {
            n++;
            flush_steps(&m);  // charges before a replacement function runs Lua code
            changed = add_replacement(&m, &b, src, e, kind) | changed;
            src = last_match = e;
        } else if (src < m.subject_end) {
            luaL_addchar(&b, *src++);
        } else {
            break;
        }
        if (anchor) break;
    }
    flush_steps(&m);
    if (!changed) {
        lua_pushvalue(L, 1);
    } else {
        luaL_addlstring(&b, src, (size_t)(m.subject_end - src));
        luaL_pushresult(&b);
    }
    lua_pushinteger(L, n);
    return 2;
}
