// The state's allocator, count hook, stop mechanism and host-function trampoline.
#include <pthread.h>
#include <signal.h>
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
    if (nsize > osize) c->uncollected += nsize - osize;
    if (nsize > osize && c->enforce) {
        if (c->stop != CLUA_RUNNING) { c->refused = 1; return NULL; }
        if (c->used - osize + nsize > c->limit) {
            // Over the cap the call stops for good, like the budget: were the refusal catchable,
            // a policy could probe its headroom, which differs between a test and a live call.
            c->refused = 1;
            c->stop = CLUA_STOP_MEMORY;
            arm_every_instruction(c->L);
            return NULL;
        }
        // A string object is its header plus its bytes; 64 covers any header.
        if (is_new_string && nsize > c->max_string + 64) {
            c->refused_string = 1;
            c->stop = CLUA_STOP_MEMORY;
            arm_every_instruction(c->L);
            return NULL;
        }
        c->allocated += nsize - osize;
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
        lua_gc(L, LUA_GCSTOP);  // collected between calls only: see clua_collect_after_call
    }
    return L;
}

// MARK: deadline watchdog
//
// The count hook reads the clock every `granularity` instructions, but some single instructions
// are linear in a string's length (`<` on two 256 KiB strings of NUL bytes takes 2.6 ms, since
// such strings compare a piece at a time), so 1,000 of them could overrun a deadline by seconds.
// A watchdog thread therefore signals a call's own thread once its deadline has passed; the
// handler, running on that thread, sets the hook to fire at the very next instruction. That is
// how lua.c stops a script on Ctrl-C: lua_sethook is safe to call from a signal handler, and
// only from the thread running the state, which is why the watchdog signals rather than calls it.

static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watch_wakeup;
static pthread_once_t watch_once = PTHREAD_ONCE_INIT;
static clua_Control *watch_list = NULL;
static int watchdog_idle = 0;          // the watchdog waits without a timeout: wake it on insert
static _Thread_local clua_Control *running_call = NULL;

#define WATCH_TICK_NS 5000000LL        // how often the watchdog looks while calls run
#define WATCH_IDLE_TICKS 200           // empty looks before it waits for the next call

static int watch_signal(void) { return SIGRTMIN + 6; }

static void on_watch_signal(int signal) {
    (void)signal;
    clua_Control *c = running_call;
    // Also while a host function runs (limits lifted): the hook then fires as soon as it returns.
    if (c != NULL && c->stop == CLUA_RUNNING) {
        c->poked = 1;
        lua_sethook(c->L, clua_hook, LUA_MASKCOUNT | (c->coverage ? LUA_MASKLINE : 0), 1);
    }
}

static void *watchdog(void *unused) {
    (void)unused;
    int empty_looks = 0;
    pthread_mutex_lock(&watch_lock);
    for (;;) {
        if (watch_list == NULL && empty_looks >= WATCH_IDLE_TICKS) {
            watchdog_idle = 1;
            pthread_cond_wait(&watch_wakeup, &watch_lock);
            watchdog_idle = 0;
            empty_looks = 0;
            continue;
        }
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        long long wake = (long long)until.tv_sec * 1000000000LL + until.tv_nsec + WATCH_TICK_NS;
        until.tv_sec = (time_t)(wake / 1000000000LL);
        until.tv_nsec = (long)(wake % 1000000000LL);
        pthread_cond_timedwait(&watch_wakeup, &watch_lock, &until);
        empty_looks = watch_list == NULL ? empty_looks + 1 : 0;
        long long now = clua_monotonic_ns();
        // A call stays in the list (under this lock) until it returns, so its thread is alive.
        for (clua_Control *c = watch_list; c != NULL; c = c->watch_next) {
            if (!c->poked && c->deadline_ns != 0 && now > c->deadline_ns) {
                c->poked = 1;
                pthread_kill((pthread_t)c->thread, watch_signal());
            }
        }
    }
    return NULL;
}

static void start_watchdog(void) {
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&watch_wakeup, &attributes);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_watch_signal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(watch_signal(), &action, NULL);
    pthread_t thread;
    pthread_attr_t thread_attributes;
    pthread_attr_init(&thread_attributes);
    pthread_attr_setdetachstate(&thread_attributes, PTHREAD_CREATE_DETACHED);
    pthread_create(&thread, &thread_attributes, watchdog, NULL);
}

static _Thread_local int signal_unblocked = 0;

static void watch(clua_Control *c) {
    pthread_once(&watch_once, start_watchdog);
    if (!signal_unblocked) {
        // Threads of Dispatch (Swift's cooperative pool) block signals, and threads they start
        // inherit that: let this one through on the thread that runs the call.
        sigset_t only;
        sigemptyset(&only);
        sigaddset(&only, watch_signal());
        pthread_sigmask(SIG_UNBLOCK, &only, NULL);
        signal_unblocked = 1;
    }
    running_call = c;
    c->poked = 0;
    c->thread = (unsigned long)pthread_self();
    pthread_mutex_lock(&watch_lock);
    c->watch_prev = NULL;
    c->watch_next = watch_list;
    if (watch_list != NULL) watch_list->watch_prev = c;
    watch_list = c;
    c->watched = 1;
    if (watchdog_idle) pthread_cond_signal(&watch_wakeup);
    pthread_mutex_unlock(&watch_lock);
}

static void unwatch(clua_Control *c) {
    if (!c->watched) return;
    pthread_mutex_lock(&watch_lock);
    if (c->watch_prev != NULL) c->watch_prev->watch_next = c->watch_next; else watch_list = c->watch_next;
    if (c->watch_next != NULL) c->watch_next->watch_prev = c->watch_prev;
    c->watched = 0;
    pthread_mutex_unlock(&watch_lock);
    running_call = NULL;
}

void clua_collect_after_call(lua_State *L) {
    clua_Control *c = clua_control(L);
    // The collector stays stopped (clua_newstate): restarting it resets its debt, and the next
    // call's first allocation then ran a step, which cost a rollout decision 2.5 us (4.8 against
    // 2.3). Steps run here instead, once 64 KiB (counted by the allocator) have piled up, and a
    // full collection after a call that allocated much. LUA_GCSTEP works while stopped.
    if (c->allocated > (256u << 10)) {
        lua_gc(L, LUA_GCCOLLECT);
        c->uncollected = 0;
    } else if (c->uncollected > (64u << 10)) {
        lua_gc(L, LUA_GCSTEP, (int)(c->uncollected >> 10));
        c->uncollected = 0;
    }
    c->allocated = 0;
}

void clua_arm(lua_State *L, long long timeout_ns) {
    clua_Control *c = clua_control(L);
    c->allocated = 0;
    c->deadline_ns = timeout_ns > 0 ? clua_monotonic_ns() + timeout_ns : 0;
    c->next_clock_check = c->granularity;
    lua_sethook(L, clua_hook, LUA_MASKCOUNT | (c->coverage ? LUA_MASKLINE : 0), c->granularity);
    if (c->deadline_ns != 0) watch(c);
}

void clua_disarm(lua_State *L) {
    unwatch(clua_control(L));
    lua_sethook(L, NULL, 0, 0);
}

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
        if (c->poked) {
            // The watchdog's signal set the hook to fire now: stop if the deadline has passed
            // (it may be a late signal meant for an earlier call), else go back to counting.
            c->poked = 0;
            if (c->deadline_ns == 0 || clua_monotonic_ns() <= c->deadline_ns) {
                lua_sethook(L, clua_hook, LUA_MASKCOUNT | (c->coverage ? LUA_MASKLINE : 0), c->granularity);
                return;
            }
            c->stop = CLUA_STOP_DEADLINE;
            record_position(c, L, ar);
            arm_every_instruction(L);
            raise_stop(L, c);
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
