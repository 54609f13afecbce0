#!/usr/bin/env bash
# Instructions per session message (valgrind callgrind, user space only: the fsync's wait is
# not in it) for the working-set rows of SessionBench: each row runs twice, with N1 and N2
# measured messages after the same set-up and warm-up, and the difference is divided by
# N2 - N1, so set-up, warm-up and process start cancel out. Prints figures; asserts nothing.
#
#   bench/callgrind-sessions.sh [row ...]     rows like cached:round-robin (default: all six)
#   N1=100 N2=600 SESSION_BENCH_CACHE=20 bench/callgrind-sessions.sh
#
# Needs valgrind and a release build of SessionBench (swift build -c release --product SessionBench).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/SessionBench}
N1=${N1:-100}
N2=${N2:-600}
OUT=${OUT:-$(mktemp -d /tmp/callgrind-sessions.XXXXXX)}
export SESSION_BENCH_CACHE=${SESSION_BENCH_CACHE:-20}
rows=("$@")
[ ${#rows[@]} -gt 0 ] || rows=(stateless:fits cached:fits stateless:round-robin cached:round-robin stateless:skewed cached:skewed)
mkdir -p "$OUT"
# Valgrind 3.19 cannot read the DWARF 5 Swift writes (a copy without it keeps the symbols), and
# writes into the mask sigsuspend is given, which libdispatch keeps read-only: a preloaded
# sigsuspend hands the kernel a copy (as bench/profile-v1.sh does).
objcopy --strip-debug "$BIN" "$OUT/SessionBench"
printf '%s\n' '#define _GNU_SOURCE' '#include <signal.h>' '#include <unistd.h>' '#include <sys/syscall.h>' \
    'int sigsuspend(const sigset_t *mask) { sigset_t copy = *mask; return (int)syscall(SYS_rt_sigsuspend, &copy, _NSIG / 8); }' \
    | cc -shared -fPIC -O2 -x c -o "$OUT/sigsuspend.so" -

instructions() {  # row messages -> total instructions of the run; its dump stays in $OUT for callgrind_annotate
    LD_PRELOAD="$OUT/sigsuspend.so" valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.$1.$2" \
        "$OUT/SessionBench" --only "$1" --messages "$2" 2>"$OUT/valgrind.log" >"$OUT/run.out"
    sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$OUT/valgrind.log" | tail -1
}

echo "instructions per message (callgrind; dumps in $OUT), cache ${SESSION_BENCH_CACHE} sessions, working set ${SESSION_BENCH_SESSIONS:-10× the cache}, N = ${N1} → ${N2}"
for row in "${rows[@]}"; do
    a=$(instructions "$row" "$N1")
    b=$(instructions "$row" "$N2")
    tail -1 "$OUT/run.out" | sed 's/^/    /'
    printf '%-24s %10d instructions/message\n' "$row" $(( (b - a) / (N2 - N1) ))
done
