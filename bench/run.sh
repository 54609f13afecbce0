#!/usr/bin/env bash
# Builds and runs every benchmark in release mode; each prints its own figures.
set -euo pipefail
cd "$(dirname "$0")/.."
# GatewayBench drives the server with wrk: install it when missing (root only).
# peers.py puts nginx in front as the fixed-response upstream.
for tool in wrk nginx; do
  if ! command -v "$tool" >/dev/null && [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null || echo "could not install $tool; the benchmarks that need it will say so"
  fi
done
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
# Beside TensorZero's gateway (pinned, from PyPI, in .build-bench-py/), ~4 minutes.
if [ ! -x .build-bench-py/bin/python ] || ! cmp -s bench/peers-requirements.txt .build-bench-py/requirements.installed; then
  rm -rf .build-bench-py
  python3 -m venv .build-bench-py
  .build-bench-py/bin/pip install --quiet --disable-pip-version-check -r bench/peers-requirements.txt
  cp bench/peers-requirements.txt .build-bench-py/requirements.installed
fi
echo "== peers"
python3 bench/peers.py .build/release/oracle-chat .build-bench-py/bin/python
