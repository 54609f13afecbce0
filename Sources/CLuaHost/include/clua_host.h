#ifndef ORACLE_CLUA_HOST_H
#define ORACLE_CLUA_HOST_H
// The C half of the Lua host. It exists because Lua reports errors with longjmp, and a longjmp
// must never cross a Swift frame (it would skip releases, defers and exclusivity bookkeeping).
// So everything that *raises* lives here, in C frames with no Swift between them and Lua: the
// count hook, the host-function trampoline and the sandbox's bounded library functions. The
// allocator is here too because it runs on every allocation and must know the per-call limits.
//
// Work is measured in *units*: one VM instruction, one step of the pattern matcher, one element
// a library loop visits, or CLUA_BYTES_PER_UNIT bytes a call allocates. A call's units are
// charged against its budget; the wall-clock deadline is checked every `granularity` units.
#include <stddef.h>
#include <lua5.4/lua.h>
#include <lua5.4/lauxlib.h>

enum { CLUA_RUNNING = 0, CLUA_STOP_BUDGET = 1, CLUA_STOP_CANCELLED = 2, CLUA_STOP_DEADLINE = 3, CLUA_STOP_MEMORY = 4,
       CLUA_STOP_KINDS = 5 };

// Bytes of allocation growth that cost one unit of budget.
#define CLUA_BYTES_PER_UNIT 32
// The most values one library call may spread onto the stack (table.unpack, string.byte,
// utf8.codepoint); bounds what a single VARARG or CALL instruction can copy later.
#define CLUA_MAX_RESULTS 4096
// table.sort looks at this many elements for the longest string (the rest are charged too,
// through the n log n term, just not scanned).
#define CLUA_MAX_SORT_SCAN 100000
// Registry field holding the sandbox's map of frozen tables (and library proxies) to their
// contents: the bounded table functions trust the __len of these only.
#define CLUA_FROZEN_KEY "oracle.frozen"
// The longest format string string.pack/unpack/packsize accept in the sandbox.
#define CLUA_MAX_PACK_FORMAT 4096

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
    lua_State *L;                 // the main thread, for the allocator to re-arm the hook
    size_t used, limit, peak;     // allocator bytes; `limit` applies only while `enforce`
    size_t max_string;            // the longest string a call may create, in bytes
    int enforce;                  // a call is running: limits and charges apply
    size_t allocated;             // bytes of growth during the running call
    size_t uncollected;           // bytes allocated since the collector last ran
    int refused;                  // an allocation was denied during this call (memory cap)
    int refused_string;           // a string longer than max_string was denied during this call
    long long budget, executed;   // units: allowed per call, charged so far
    long long next_clock_check;   // `executed` at which charges next read the clock
    long long deadline_ns;        // CLOCK_MONOTONIC deadline of the call; 0 = none
    int granularity;              // count-hook period in VM instructions (and clock period in units)
    int stop;                     // CLUA_STOP_*: once set the hook raises on every instruction
    int coverage;                 // also fire on lines and report them to `record`
    int stop_line;                // where the call was stopped (0 if unknown)
    char stop_source[LUA_IDSIZE];
    int stop_message_ref[CLUA_STOP_KINDS];  // registry refs of pre-made messages (no allocation to raise)
    clua_HostDispatch dispatch;
    clua_CancelPoll poll;
    clua_LineRecorder record;
    void *owner;
    // The deadline watchdog (host.c): the running call's thread and its place in the list of
    // watched calls; `poked` is set by the watchdog's signal handler on that same thread.
    volatile int poked;
    int watched;
    unsigned long thread;
    struct clua_Control *watch_prev, *watch_next;
} clua_Control;

static inline clua_Control *clua_control(lua_State *L) {
    return *(clua_Control **)lua_getextraspace(L);
}

// Creates a state whose allocator and extra space use `c`.
lua_State *clua_newstate(clua_Control *c);

// Arms the hook for one call: counts every `granularity` instructions (and lines for coverage),
// and sets the call's deadline `timeout_ns` from now (0: none).
void clua_arm(lua_State *L, long long timeout_ns);
void clua_disarm(lua_State *L);

// The collector does not run during a call (it is stopped for good in clua_newstate): whether a weak entry is gone
// yet would depend on the garbage earlier calls left, a channel from one call to the next. It
// runs between calls instead: after the call (limits lifted), a step sized to what the call
// allocated, or a full collection after a call that allocated much, so idle states stay small.
void clua_collect_after_call(lua_State *L);

// Stops the running call for good (the hook then raises on every instruction, so a script's
// pcall cannot swallow it) and raises. Call only from a C function Lua called.
int clua_stop(lua_State *L, int kind);

// Nanoseconds on CLOCK_MONOTONIC.
long long clua_monotonic_ns(void);

// Charges `units` of work to the running call; raises (via clua_stop) once the budget is spent,
// the deadline has passed or the call was cancelled. A no-op outside calls.
static inline void clua_charge(lua_State *L, long long units) {
    clua_Control *c = clua_control(L);
    if (!c->enforce) return;
    c->executed += units;
    if (c->executed > c->budget) clua_stop(L, CLUA_STOP_BUDGET);
    if (c->executed >= c->next_clock_check) {
        c->next_clock_check = c->executed + c->granularity;
        if (c->deadline_ns != 0 && clua_monotonic_ns() > c->deadline_ns) clua_stop(L, CLUA_STOP_DEADLINE);
        if (c->poll != NULL && c->poll(c->owner)) clua_stop(L, CLUA_STOP_CANCELLED);
    }
}

// Pushes host function number `index` as a closure over the trampoline.
void clua_push_host_function(lua_State *L, int index);

// Replaces, in the libraries already opened into the globals (`string`, `table`, `utf8` and
// base `tonumber`), every function that can loop or copy in C with a version that charges the
// work it does: the pattern functions by the project's own matcher (find, match, gmatch, gsub),
// the others by a wrapper that charges first and then calls the original.
void clua_install_bounded_library(lua_State *L);

// The project's pattern functions, for the equivalence test against the stock ones.
int clua_str_find(lua_State *L);
int clua_str_match(lua_State *L);
int clua_str_gmatch(lua_State *L);
int clua_str_gsub(lua_State *L);


// Pushes a builtin that sees through frozen tables: `name` is "next", "rawget" or "rawlen";
// the table at `hidden_index` maps each frozen proxy to its contents.
void clua_push_see_through(lua_State *L, int hidden_index, const char *name);

// Checks the snapshot at `snapshot_index` (a flat list: closure, upvalue number, value after
// load, ...) and puts back every upvalue a call changed. Returns how many it restored; for the
// first it sets `changed` to the upvalue's name, `changed_line` to where its closure starts and
// `changed_source` (LUA_IDSIZE bytes) to that closure's chunk.
int clua_restore_upvalues(lua_State *L, int snapshot_index, const char **changed, int *changed_line, char *changed_source);


// Calls its first argument with the others on a new Lua thread, whose stack holds nothing but
// that call, as a live call's does: the test harness calls entry functions through it, so a
// policy cannot tell a test from a live call by looking up the stack (error(msg, level),
// recursion depth).
int clua_call_isolated(lua_State *L);

#endif
