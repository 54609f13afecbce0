#!/usr/bin/env bash
# Instructions the gateway spends per POST /v1/chat/completions, counted by callgrind: steadier
# than CPU time on a shared machine, and each function's share shows where they go.
# Usage (from the repository root, after `swift build -c release --product GatewayBench`
# and `--product FakeUpstreamServer`): bench/profile-v1.sh [requests] [output directory]
# Leaves callgrind.out.* in the output directory (callgrind_annotate reads them).
set -euo pipefail
requests=${1:-2000}
out=${2:-$(mktemp -d /tmp/profile-v1.XXXXXX)}
warmup=200
body='{"model":"bench","messages":[{"role":"user","content":"What is the answer?"}]}'
mkdir -p "$out"
fifo="$out/stdin"; rm -f "$fifo"; mkfifo "$fifo"
# Valgrind 3.19 cannot read the DWARF 5 Swift writes: a copy without it (symbols stay), next to
# FakeUpstreamServer, which the bench starts from its own directory.
upstream_in="$out/upstream-stdin"; rm -f "$upstream_in"; mkfifo "$upstream_in"
.build/release/FakeUpstreamServer "The answer is forty-two." <"$upstream_in" >"$out/upstream-port" &
exec 4>"$upstream_in"
for _ in $(seq 100); do [ -s "$out/upstream-port" ] && break; sleep 0.2; done
upstream="http://127.0.0.1:$(head -1 "$out/upstream-port")/v1"
# Valgrind 3.19 writes into the mask sigsuspend is given, and libdispatch's (the async main
# thread's) is read-only: a preloaded sigsuspend hands the kernel a copy.
shim="$out/sigsuspend.so"
printf '%s\n' '#define _GNU_SOURCE' '#include <signal.h>' '#include <unistd.h>' '#include <sys/syscall.h>' \
    'int sigsuspend(const sigset_t *mask) { sigset_t copy = *mask; return (int)syscall(SYS_rt_sigsuspend, &copy, _NSIG / 8); }' \
    | cc -shared -fPIC -O2 -x c -o "$shim" -
bench=.build/release/GatewayBench-nodebug
objcopy --strip-debug .build/release/GatewayBench "$bench"
LD_PRELOAD="$shim" valgrind --tool=callgrind ${VALGRIND_OPTIONS:---instr-atstart=no} --callgrind-out-file="$out/callgrind.out.%p" \
    "$bench" serve "$upstream" <"$fifo" >"$out/url" 2>"$out/valgrind.log" &
pid=$!
exec 3>"$fifo"
for _ in $(seq 600); do
    [ -s "$out/url" ] && break
    kill -0 "$pid" 2>/dev/null || { tail -5 "$out/valgrind.log"; exit 1; }
    sleep 0.5
done
url=$(head -1 "$out/url")
send() { curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' -d "$body" "$url/v1/chat/completions?[1-$1]" | sort | uniq -c; }
callgrind_control -i on "$pid" >/dev/null 2>&1
send "$warmup" >/dev/null
callgrind_control -z "$pid" >/dev/null 2>&1
echo "statuses: $(send "$requests" | tr '\n' ' ')"
callgrind_control -d "$pid" >/dev/null 2>&1
exec 3>&-
wait "$pid" || true
exec 4>&-
wait
dump=$(ls -t "$out"/callgrind.out.*.1 2>/dev/null | head -1 || true)
[ -n "$dump" ] || dump=$(ls -t "$out"/callgrind.out.* | head -1)
total=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ && !done { gsub(",", "", $1); print $1; done = 1 }')
echo "dump: $dump"
echo "instructions: $total over $requests requests = $((total / requests)) per request"
