#!/usr/bin/env python3
"""A steady load over many sessions for minutes; prints the server's RSS and cache every 10 s.

Starts nginx (a fixed OpenAI reply) and `oracle-chat serve` (release build) in one mode, creates
SESSIONS sessions, then sends messages at RATE per second for MINUTES, spread over the sessions
round-robin (every session in turn: a working set as large as the session count) or skewed
(80 % of the messages to 20 % of the sessions). Every 10 s one line: elapsed seconds, RSS (MiB),
the cache's entries and estimated bytes, its hits and misses so far, messages sent, errors,
and the p50 latency of that interval. At the end: RSS growth from the first minute to the last
sample, and the growth over the last half (levelled off or not).

Modes:  stateless  USE_PERSISTENT_SESSIONS=false
        cached     the cache on, MAX_PERSISTENT_SESSIONS as configured (default 500)
        cached-big the cache on with MAX_PERSISTENT_SESSIONS=SESSIONS

Usage: bench/soak.py MODE [minutes=10] [sessions=5000] [rate=150] [round-robin|skewed] [binary]
Bounded: loopback only, every process stopped at the end. Not part of `make bench` (10 min a mode).
"""
import asyncio, json, os, random, re, shutil, signal, socket, statistics, subprocess, sys, tempfile, time, urllib.request

MODE = sys.argv[1] if len(sys.argv) > 1 else "cached"
MINUTES = float(sys.argv[2]) if len(sys.argv) > 2 else 10
SESSIONS = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
RATE = float(sys.argv[4]) if len(sys.argv) > 4 else 150
PATTERN = sys.argv[5] if len(sys.argv) > 5 else "round-robin"
BINARY = sys.argv[6] if len(sys.argv) > 6 else ".build/release/oracle-chat"
CONNECTIONS = 16
work = tempfile.mkdtemp(prefix="oracle-soak-")
children = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url, body=None, timeout=10):
    request = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


def wait(url, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            return http(url)
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"soak: {url} did not answer (logs in {work})")


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024


class Connection:
    """One keep-alive HTTP/1.1 connection; enough of the protocol for these JSON answers."""

    def __init__(self, port):
        self.port = port
        self.reader = self.writer = None

    async def post(self, path, body):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        data = json.dumps(body).encode()
        self.writer.write(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
        await self.reader.readexactly(length)
        return status


async def load(port, ids, monitor):
    queue = asyncio.Queue(maxsize=CONNECTIONS * 4)
    stats = {"sent": 0, "errors": 0, "latencies": []}
    hot = ids[: max(1, len(ids) // 5)]

    async def worker():
        connection = Connection(port)
        while True:
            session = await queue.get()
            started = time.perf_counter()
            try:
                status = await connection.post(f"/api/v1/sessions/{session}/messages", {"content": "How is it going?"})
                if status != 200:
                    stats["errors"] += 1
            except Exception:
                stats["errors"] += 1
                connection = Connection(port)
            stats["latencies"].append((time.perf_counter() - started) * 1000)
            stats["sent"] += 1

    workers = [asyncio.create_task(worker()) for _ in range(CONNECTIONS)]
    start = time.perf_counter()
    sent = 0
    next_report = 10.0
    while (elapsed := time.perf_counter() - start) < MINUTES * 60:
        due = int(elapsed * RATE)
        while sent < due:
            if PATTERN == "skewed" and random.random() < 0.8:
                session = random.choice(hot)
            else:
                session = ids[sent % len(ids)]
            await queue.put(session)
            sent += 1
        if elapsed >= next_report:
            monitor(elapsed, stats)
            stats["latencies"] = []
            next_report += 10
        await asyncio.sleep(0.005)
    for task in workers:
        task.cancel()


def main():
    upstream_port = free_port()
    conf = os.path.join(work, "nginx.conf")
    reply = json.dumps({"id": "c", "object": "chat.completion", "created": 0, "model": "m",
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Fine, thanks."}, "finish_reason": "stop"}],
                        "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}})
    with open(conf, "w") as f:
        f.write(f"worker_processes 1; daemon off; pid {work}/nginx.pid; error_log {work}/nginx-error.log;\n"
                f"events {{ worker_connections 1024; }}\nhttp {{ access_log off; client_body_temp_path {work};\n"
                f"  server {{ listen 127.0.0.1:{upstream_port}; location / {{ default_type application/json; return 200 '{reply}'; }} }} }}\n")
    children.append(subprocess.Popen(["nginx", "-c", conf, "-p", work], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True))
    port = free_port()
    settings = {"stateless": {"USE_PERSISTENT_SESSIONS": "false"},
                "cached": {"USE_PERSISTENT_SESSIONS": "true", "GRADUAL_ROLLOUT_PERCENTAGE": "100"},
                "cached-big": {"USE_PERSISTENT_SESSIONS": "true", "GRADUAL_ROLLOUT_PERCENTAGE": "100",
                               "MAX_PERSISTENT_SESSIONS": str(SESSIONS)}}[MODE]
    env = dict(os.environ, HOST="127.0.0.1", PORT=str(port), DATABASE_URL=os.path.join(work, "soak.db"),
               LLM_PROVIDER="openai", OPENAI_BASE_URL=f"http://127.0.0.1:{upstream_port}/v1", OPENAI_API_KEY="sk-soak",
               AI_HEALTH_PROBE_INTERVAL="0", LOG_LEVEL="warning", MODELS_FILE=os.path.join(work, "none.yaml"),
               CONTACTS_FILE=os.path.join(work, "none.yaml"), **settings)
    server = subprocess.Popen([os.path.abspath(BINARY), "serve"], env=env, stdout=open(os.path.join(work, "server.log"), "w"),
                              stderr=subprocess.STDOUT, start_new_session=True)
    children.append(server)
    base = f"http://127.0.0.1:{port}"
    wait(base + "/health/ready")
    ids = [http(base + "/api/v1/sessions", {"title": f"soak {i}"})["id"] for i in range(SESSIONS)]
    print(f"soak: mode {MODE}, {SESSIONS} sessions, {RATE:.0f} messages/s {PATTERN}, {MINUTES:g} min")
    print(f"{'t s':>6}{'RSS MiB':>9}{'cache':>7}{'cache KiB':>11}{'hits':>9}{'misses':>9}{'sent':>9}{'errors':>7}{'p50 ms':>8}")
    series = []

    def monitor(elapsed, stats):
        sessions = http(base + "/api/v1/monitoring/health/sessions")["session_management"]
        cache = sessions.get("cache_performance", {})
        detailed = http(base + "/api/v1/monitoring/health/detailed")
        cache_bytes = detailed["system"]["memory"].get("cache_bytes", 0)
        rss = rss_mib(server.pid)
        series.append((elapsed, rss))
        p50 = statistics.median(stats["latencies"]) if stats["latencies"] else 0
        print(f"{elapsed:>6.0f}{rss:>9.1f}{sessions.get('active_sessions', 0):>7}{cache_bytes / 1024:>11.0f}"
              f"{cache.get('cache_hits', cache.get('hits', 0)):>9}{cache.get('cache_misses', cache.get('misses', 0)):>9}"
              f"{stats['sent']:>9}{stats['errors']:>7}{p50:>8.2f}", flush=True)

    asyncio.run(load(port, ids, monitor))
    if len(series) >= 4:
        first_minute = [r for t, r in series if t <= 60] or [series[0][1]]
        warm = statistics.median(first_minute)
        last = series[-1][1]
        half = series[len(series) // 2][1]
        print(f"soak: RSS {warm:.1f} MiB after warm-up (first minute) → {last:.1f} MiB at the end "
              f"({(last - warm) / warm * 100:+.1f} %); over the last half {(last - half) / half * 100:+.1f} %")


if __name__ == "__main__":
    try:
        main()
    finally:
        for child in children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
        shutil.rmtree(work, ignore_errors=True)
