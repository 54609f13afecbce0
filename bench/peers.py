#!/usr/bin/env python3
"""Oracle Chat beside TensorZero's Rust gateway, in one interleaved run; prints what it measured.

Every target sits in front of the same fixed-response upstream (nginx on loopback answering
every request with one OpenAI chat completion), and wrk (-t1) drives each with the same body:

  upstream        nginx itself: the baseline each "added" latency is measured against
  oracle /v1      POST /v1/chat/completions (stateless: the body is the whole context)
  tensorzero      TensorZero's OpenAI-compatible endpoint (PyPI `tensorzero`, its wheel carries
                  the gateway; started with observability off, so it stores nothing)
  oracle cached   a message to a session, persistent-session cache on (one durable, fsync'd
                  commit of the user message and one of the reply, plus the upstream call)
  oracle stateless the same with the cache off: the history is read from SQLite each time

Rounds alternate the targets' order; each figure is the median over the rounds. Server CPU per
request is the target process's user+system time (from /proc) over the requests it served:
on a shared 2-core machine it moves far less than latency. The fsync floor (a 4 KiB write and
fsync in the database's folder, median of 200) is printed beside the session figures.

Usage: bench/peers.py ORACLE_BINARY PYTHON_WITH_TENSORZERO [seconds per run] [rounds]
(bench/run.sh installs nginx and tensorzero, then runs this; about 4 minutes with 5 s and 3.)
Bounded: every process it starts is stopped on exit; loopback only.
"""
import json, os, re, shutil, signal, socket, statistics, subprocess, sys, tempfile, time, urllib.request

ORACLE = sys.argv[1] if len(sys.argv) > 1 else ".build/release/oracle-chat"
TZ_PYTHON = sys.argv[2] if len(sys.argv) > 2 else ".build-bench-py/bin/python"
SECONDS = int(sys.argv[3]) if len(sys.argv) > 3 else 5
ROUNDS = int(sys.argv[4]) if len(sys.argv) > 4 else 3
CONNECTIONS = [1, 8, 64]
SESSION_CONNECTIONS = [1, 64]
QUESTION = "What is the answer?"
REPLY = {
    "id": "chatcmpl-bench", "object": "chat.completion", "created": 1700000000, "model": "bench-model",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "The answer is forty-two."},
                 "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 12, "completion_tokens": 6, "total_tokens": 18},
}
work = tempfile.mkdtemp(prefix="oracle-peers-")
children = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args, env=None, cwd=None):
    log = open(os.path.join(work, f"{os.path.basename(args[0])}-{len(children)}.log"), "w")
    child = subprocess.Popen(args, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    children.append(child)
    return child


def stop_all():
    for child in children:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.time() + 10
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
    shutil.rmtree(work, ignore_errors=True)


def wait_http(url, timeout=60, data=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=2) as response:
                return json.loads(response.read() or b"null")
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"peers: {url} did not answer within {timeout} s (logs in {work})")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def milliseconds(text):
    match = re.match(r"([\d.]+)(us|ms|s|m|h)", text)
    if not match:
        raise SystemExit(f"peers: wrk printed a latency this script cannot read: {text!r}")
    value, unit = match.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}[unit]


def wrk(url, body, connections, script_extra=""):
    """Requests/s, p50 and p99 in ms, and the number of requests, from one wrk run."""
    script = os.path.join(work, "post.lua")
    with open(script, "w") as f:
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n')
        f.write("wrk.body = " + json.dumps(body) + "\n" + script_extra)
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{SECONDS}s", "--latency", "-s", script, url],
                         capture_output=True, text=True, timeout=SECONDS + 30).stdout
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors or total == 0:
        raise SystemExit(f"peers: {url} answered errors under load:\n{out}")
    try:
        # The distribution's own lines ("     50%  187.00us"), not a "+/- Stdev" column ending in 50%.
        p50 = milliseconds(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
        p99 = milliseconds(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    except SystemExit as problem:
        raise SystemExit(f"{problem}\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), p50, p99, total


def fsync_floor_ms(folder):
    path = os.path.join(folder, "fsync-probe")
    times = []
    with open(path, "wb") as f:
        for _ in range(200):
            f.write(b"x" * 4096)
            start_time = time.perf_counter()
            f.flush()
            os.fsync(f.fileno())
            times.append((time.perf_counter() - start_time) * 1000)
    os.remove(path)
    return statistics.median(times)


def main():
    # ── The upstream ──
    upstream_port = free_port()
    conf = os.path.join(work, "nginx.conf")
    reply = json.dumps(REPLY).replace("'", "\\'")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 1; daemon off; pid {work}/nginx.pid; error_log {work}/nginx-error.log;
events {{ worker_connections 4096; }}
http {{ access_log off; client_body_temp_path {work}; keepalive_requests 1000000;
  server {{ listen 127.0.0.1:{upstream_port} reuseport backlog=4096;
    location / {{ default_type application/json; return 200 '{reply}'; }} }} }}
""")
    start(["nginx", "-c", conf, "-p", work])
    upstream = f"http://127.0.0.1:{upstream_port}"
    wait_http(upstream + "/v1/chat/completions", data=b"{}")

    # ── Oracle Chat: stateless /v1 and sessions with the cache off, and with it on ──
    def oracle(name, extra):
        port = free_port()
        env = dict(os.environ, HOST="127.0.0.1", PORT=str(port), DATABASE_URL=os.path.join(work, f"{name}.db"),
                   LLM_PROVIDER="openai", OPENAI_BASE_URL=upstream + "/v1", OPENAI_API_KEY="sk-bench",
                   OPENAI_MODEL="bench-model", AI_HEALTH_PROBE_INTERVAL="0", LOG_LEVEL="warning",
                   MODELS_FILE=os.path.join(work, "no-models.yaml"), CONTACTS_FILE=os.path.join(work, "no-contacts.yaml"),
                   BACKUP_INTERVAL="0", **extra)
        child = start([os.path.abspath(ORACLE), "serve"], env=env)
        base = f"http://127.0.0.1:{port}"
        wait_http(base + "/health/ready")
        return child, base

    stateless, stateless_url = oracle("stateless", {"USE_PERSISTENT_SESSIONS": "false"})
    cached, cached_url = oracle("cached", {"USE_PERSISTENT_SESSIONS": "true", "GRADUAL_ROLLOUT_PERCENTAGE": "100"})

    # ── TensorZero's gateway, embedded in its Python package, serving HTTP ──
    toml = os.path.join(work, "tensorzero.toml")
    with open(toml, "w") as f:
        f.write(f"""[gateway.observability]
enabled = false

[models.bench]
routing = ["upstream"]

[models.bench.providers.upstream]
type = "openai"
model_name = "bench-model"
api_base = "{upstream}/v1/"
""")
    launcher = os.path.join(work, "tensorzero_gateway.py")
    with open(launcher, "w") as f:
        f.write("""import sys, time, tensorzero
gateway = tensorzero._start_http_gateway(config_file=sys.argv[1], clickhouse_url=None, postgres_url=None,
                                         valkey_url=None, async_setup=False)
print(gateway.base_url, flush=True)
while True:
    time.sleep(3600)
""")
    tz_log = os.path.join(work, "tensorzero.out")
    tz = subprocess.Popen([TZ_PYTHON, launcher, toml], stdout=open(tz_log, "w"), stderr=subprocess.STDOUT,
                          env=dict(os.environ, OPENAI_API_KEY="sk-bench", RUST_LOG="error"), start_new_session=True)
    children.append(tz)
    deadline = time.time() + 60
    tz_base = ""
    while time.time() < deadline and not tz_base:
        time.sleep(0.2)
        tz_base = next((l.strip() for l in open(tz_log) if l.startswith("http")), "")
        if tz.poll() is not None:
            raise SystemExit("peers: the TensorZero gateway did not start:\n" + open(tz_log).read()[-2000:])
    if not tz_base:
        raise SystemExit("peers: the TensorZero gateway did not start within 60 s")
    # The gateway reports its OpenAI-compatible base (".../openai/v1").
    tz_base = tz_base.rstrip("/").removesuffix("/openai/v1")

    messages = [{"role": "user", "content": QUESTION}]
    bodies = {
        "oracle /v1": (stateless, stateless_url + "/v1/chat/completions", json.dumps({"model": "bench-model", "messages": messages})),
        "tensorzero": (tz, tz_base + "/openai/v1/chat/completions",
                       json.dumps({"model": "tensorzero::model_name::bench", "messages": messages})),
    }
    for target, (_, url, body) in bodies.items():
        wait_http(url, data=body.encode())

    # Sessions: one per connection, each with a short history, picked round-robin by wrk.
    def sessions(base, count):
        ids = []
        for i in range(count):
            created = wait_http(base + "/api/v1/sessions", data=json.dumps({"title": f"bench {i}"}).encode())
            ids.append(created["id"])
            for _ in range(3):
                wait_http(f"{base}/api/v1/sessions/{created['id']}/messages", data=json.dumps({"content": QUESTION}).encode())
        return ids

    count = max(SESSION_CONNECTIONS)
    session_ids = {"oracle cached": (cached, cached_url, sessions(cached_url, count)),
                   "oracle stateless": (stateless, stateless_url, sessions(stateless_url, count))}
    fsync_ms = fsync_floor_ms(work)

    def session_script(ids):
        return ("local ids = {" + ",".join(json.dumps(i) for i in ids) + "}\nlocal n = 0\n"
                "request = function()\n  n = n + 1\n"
                "  return wrk.format(nil, '/api/v1/sessions/' .. ids[(n % #ids) + 1] .. '/messages')\nend\n")

    # ── The interleaved schedule ──
    results = {}  # (target, c) -> list of (rps, p50, p99, cpu_ms_per_req)
    plain_targets = ["upstream"] + list(bodies)
    for round_index in range(ROUNDS):
        for c in CONNECTIONS:
            order = plain_targets[round_index % len(plain_targets):] + plain_targets[:round_index % len(plain_targets)]
            for target in order:
                if target == "upstream":
                    process, url, body = None, upstream + "/v1/chat/completions", bodies["oracle /v1"][2]
                else:
                    process, url, body = bodies[target]
                before = cpu_seconds(process.pid) if process else 0
                rps, p50, p99, total = wrk(url, body, c)
                cpu = (cpu_seconds(process.pid) - before) * 1000 / total if process else 0
                results.setdefault((target, c), []).append((rps, p50, p99, cpu))
        for c in SESSION_CONNECTIONS:
            names = list(session_ids) if round_index % 2 == 0 else list(reversed(session_ids))
            for target in names:
                process, base, ids = session_ids[target]
                before = cpu_seconds(process.pid)
                rps, p50, p99, total = wrk(base + "/api/v1/sessions/x/messages", json.dumps({"content": QUESTION}), c,
                                           session_script(ids[:max(c, 1)]))
                cpu = (cpu_seconds(process.pid) - before) * 1000 / total
                results.setdefault((target, c), []).append((rps, p50, p99, cpu))
        print(f"peers: round {round_index + 1} of {ROUNDS} done", file=sys.stderr)

    def median(target, c, index):
        return statistics.median(r[index] for r in results[(target, c)])

    print(f"Peers, one interleaved run on this machine ({ROUNDS} rounds of {SECONDS} s, wrk -t1, medians; "
          f"added = p50/p99 over nginx answering directly)")
    print(f"{'target':<18}{'c':>4}{'req/s':>10}{'added p50 ms':>14}{'added p99 ms':>14}{'CPU ms/req':>12}")
    for c in CONNECTIONS:
        base50, base99 = median("upstream", c, 1), median("upstream", c, 2)
        print(f"{'upstream (nginx)':<18}{c:>4}{median('upstream', c, 0):>10.0f}{base50:>14.3f}{base99:>14.3f}{'':>12}")
        for target in bodies:
            print(f"{target:<18}{c:>4}{median(target, c, 0):>10.0f}{median(target, c, 1) - base50:>+14.3f}"
                  f"{median(target, c, 2) - base99:>+14.3f}{median(target, c, 3):>12.3f}")
    for c in SESSION_CONNECTIONS:
        base50, base99 = median("upstream", c, 1), median("upstream", c, 2)
        for target in session_ids:
            print(f"{target:<18}{c:>4}{median(target, c, 0):>10.0f}{median(target, c, 1) - base50:>+14.3f}"
                  f"{median(target, c, 2) - base99:>+14.3f}{median(target, c, 3):>12.3f}")
    print(f"fsync floor (4 KiB write + fsync, median of 200): {fsync_ms:.3f} ms; a session message commits twice")
    print("ratios, oracle /v1 over tensorzero: " + ", ".join(
        f"c={c} CPU {median('oracle /v1', c, 3) / median('tensorzero', c, 3):.2f}x, "
        f"added p50 {(median('oracle /v1', c, 1) - median('upstream', c, 1)):.3f} vs "
        f"{(median('tensorzero', c, 1) - median('upstream', c, 1)):.3f} ms" for c in CONNECTIONS))
    print("ratio, stateless over cached session message CPU: " + ", ".join(
        f"c={c} {median('oracle stateless', c, 3) / median('oracle cached', c, 3):.2f}x" for c in SESSION_CONNECTIONS))
    print(f"RSS after the runs: oracle stateless {rss_mib(stateless.pid):.1f} MiB, oracle cached {rss_mib(cached.pid):.1f} MiB, "
          f"tensorzero (with its Python host) {rss_mib(tz.pid):.1f} MiB")


if __name__ == "__main__":
    try:
        main()
    finally:
        stop_all()
