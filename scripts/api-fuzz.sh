#!/usr/bin/env bash
# Holds the running server to its OpenAPI document: validates the document, starts
# `oracle-chat serve` on a free loopback port (temporary database, a copy of the policies, the
# offline AI provider), runs schemathesis against it, stops it. Non-zero on any server error,
# any response the document does not describe, or any other failed check.
#
#   scripts/api-fuzz.sh                     # build (debug) and fuzz, 1-3 minutes
#   API_FUZZ_EXAMPLES=200 scripts/api-fuzz.sh   # more cases per operation
#   API_FUZZ_SEED=7 scripts/api-fuzz.sh         # other inputs (the default seed is fixed)
#   ORACLE_CHAT_BIN=.build/release/oracle-chat scripts/api-fuzz.sh   # an already built binary
#   API_FUZZ_KEEP=1 scripts/api-fuzz.sh         # keep the server log and a HAR of every exchange
#
# The tools live in a virtualenv in .build-py/ (git-ignored), made from
# scripts/api-fuzz-requirements.txt when missing or when that file changes.
set -euo pipefail
cd "$(dirname "$0")/.."

DOC=Sources/HTTPServer/Resources/openapi.yaml
VENV=.build-py
REQUIREMENTS=scripts/api-fuzz-requirements.txt
EXAMPLES=${API_FUZZ_EXAMPLES:-150}
SEED=${API_FUZZ_SEED:-20240601}
# The whole schemathesis run, so a hang can never eat CI's 90 minutes.
RUN_LIMIT_SECONDS=${API_FUZZ_TIMEOUT:-420}

say() { printf 'api-fuzz: %s\n' "$*"; }

# ── Tools ──
if [ ! -x "$VENV/bin/schemathesis" ] || ! cmp -s "$REQUIREMENTS" "$VENV/requirements.installed"; then
  say "installing $(grep -c '==' "$REQUIREMENTS") pinned Python packages into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV" || { say "python3 cannot make a virtualenv: install python3-venv (apt-get install python3-venv)"; exit 1; }
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  cp "$REQUIREMENTS" "$VENV/requirements.installed"
fi

# ── The document ──
"$VENV/bin/openapi-spec-validator" "$DOC"

# ── The server ──
if [ -z "${ORACLE_CHAT_BIN:-}" ]; then
  swift build --product oracle-chat
  ORACLE_CHAT_BIN="$(swift build --show-bin-path)/oracle-chat"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/oracle-api-fuzz.XXXXXX")
server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    # Graceful shutdown drains in-flight requests; 20 s is far more than that takes.
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
cleanup() { stop_server; [ -n "${API_FUZZ_KEEP:-}" ] && { say "kept $work"; return; }; rm -rf "$work"; }
trap cleanup EXIT

# Rollbacks write policy files back: they must land in a copy, never in the checkout.
cp -R policies "$work/policies"
: > "$work/empty.env"
export API_FUZZ_CLIENT_KEY="fuzz-client-key-$RANDOM$RANDOM$RANDOM"
export API_FUZZ_ADMIN_KEY="fuzz-admin-key-$RANDOM$RANDOM$RANDOM"
env HOST=127.0.0.1 PORT=0 DATABASE_URL="$work/fuzz.db" POLICIES_DIR="$work/policies" LUA_DIR="$PWD/lua" \
    BACKUP_DIR="$work/backups" LLM_PROVIDER=offline LOG_LEVEL=notice \
    CHAT_API_KEYS="$API_FUZZ_CLIENT_KEY:fuzz" ADMIN_API_KEY="$API_FUZZ_ADMIN_KEY" \
    "$ORACLE_CHAT_BIN" serve --config "$work/empty.env" >"$work/server.log" 2>&1 &
server_pid=$!

# PORT=0 lets the kernel pick a free port; the server names it in its "listening" line.
port=""
for _ in $(seq 1 300); do
  port=$(sed -n 's/.*http\.address=127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$work/server.log" | head -n 1)
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.2
done
if [ -z "$port" ]; then
  say "the server did not start:"; cat "$work/server.log"; exit 1
fi
base="http://127.0.0.1:$port"
ready() { "$VENV/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' "$base/health/ready" 2>/dev/null; }
for _ in $(seq 1 150); do ready && break; sleep 0.2; done
say "server $ORACLE_CHAT_BIN on $base (log: $work/server.log)"

# ── Fuzzing ──
# Checks: all of them (max_response_time has no limit: see request-timeout in scripts/schemathesis.toml).
started=$(date +%s)
status=0
# Hypothesis keeps a folder of its own; it goes with the tools, not into the checkout.
export HYPOTHESIS_STORAGE_DIRECTORY="$PWD/$VENV/hypothesis"
timeout --kill-after=10 "$RUN_LIMIT_SECONDS" \
  "$VENV/bin/schemathesis" --config-file scripts/schemathesis.toml run "$DOC" \
    --url "$base" \
    --checks all \
    --max-examples "$EXAMPLES" --seed "$SEED" --workers 1 \
    --report "junit${API_FUZZ_KEEP:+,har}" --report-dir "$work/report" \
    || status=$?
elapsed=$(( $(date +%s) - started ))

if ! kill -0 "$server_pid" 2>/dev/null; then
  say "the server died during the run:"; tail -n 50 "$work/server.log"; status=1
fi
stop_server
if grep -q 'unhandled error' "$work/server.log"; then
  say "the server logged unhandled errors:"; grep 'unhandled error' "$work/server.log" | head -n 20; status=1
fi
junit=$(ls "$work"/report/junit*.xml 2>/dev/null | head -n 1)
counts=""
if [ -n "$junit" ]; then
  # One JUnit test case per operation: "N passed, N failed" by operation, the plain closing line.
  counts=$("$VENV/bin/python" - "$junit" <<'EOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
count = lambda key: sum(int(s.get(key, 0)) for s in suites)
failed = count("failures") + count("errors")
print(f"{count('tests') - failed - count('skipped')} passed, {failed} failed, {count('skipped')} skipped")
EOF
)
fi
case $status in
  0) say "passed in ${elapsed}s (seed $SEED, $EXAMPLES examples per operation)" ;;
  124|137) say "stopped after ${RUN_LIMIT_SECONDS}s (API_FUZZ_TIMEOUT)"; status=1 ;;
  *) say "FAILED in ${elapsed}s (seed $SEED): see schemathesis's report above"; status=1 ;;
esac
[ -n "$counts" ] && echo "api-fuzz: $counts"
exit "$status"
