#!/usr/bin/env bash
# Builds and runs every benchmark in release mode; each prints its own figures.
set -euo pipefail
cd "$(dirname "$0")/.."
# GatewayBench drives the server with wrk: install it when missing (root only).
if ! command -v wrk >/dev/null && [ "$(id -u)" -eq 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null || echo "could not install wrk; GatewayBench will say so"
fi
benches=$(swift package describe --type json 2>/dev/null | python3 -c '
import json,sys
d=json.load(sys.stdin)
print(" ".join(t["name"] for t in d["targets"] if t["type"]=="executable" and t["path"].startswith("bench/") and t["name"].endswith("Bench")))')
if [ -z "$benches" ]; then echo "no benchmarks yet"; exit 0; fi
# GatewayBench starts the fake upstream as a process of its own.
swift build -c release --product FakeUpstreamServer >/dev/null
for b in $benches; do
  swift build -c release --product "$b" >/dev/null
  echo "== $b"
  ".build/release/$b"
done
# The HTTP edge under slow clients, idle exhaustion at a 1024 fd limit, and SIGTERM (~30 s).
swift build -c release --product oracle-chat >/dev/null
echo "== edge-probe"
python3 bench/edge-probe.py .build/release/oracle-chat
