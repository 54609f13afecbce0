#!/usr/bin/env python3
"""The HTTP edge under attack, at a scale the unit tests do not reach; prints what it measured.

Starts `oracle-chat serve` (release build) with a 1024 open-file limit on a free loopback port and:
  1. slowloris: 300 connections that each trickle a header line every second;
  2. idle exhaustion: 1,100 sockets that send nothing, then /health/live on a fresh connection,
     and the server's CPU use while they are held (an accept loop spinning on EMFILE shows here);
  3. shutdown: SIGTERM with three half-sent requests open.
Everything is bounded: at most ~60 s, loopback only.

Usage: bench/edge-probe.py [path/to/oracle-chat]   (make bench runs it)
"""
import os, resource, signal, socket, subprocess, sys, tempfile, time

BINARY = sys.argv[1] if len(sys.argv) > 1 else ".build/release/oracle-chat"
HEAD_TIMEOUT_MS = 5000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start(port, workdir):
    def limit_files():
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))
    env = dict(os.environ, LLM_PROVIDER="offline", REQUEST_HEAD_TIMEOUT_MS=str(HEAD_TIMEOUT_MS),
               SHUTDOWN_DRAIN_TIMEOUT_MS="3000", LOG_LEVEL="warning")
    server = subprocess.Popen([BINARY, "serve", "--port", str(port), "--database", f"{workdir}/db.sqlite",
                               "--policies", "policies"], env=env, preexec_fn=limit_files,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def live(port, timeout=5.0):
    """Milliseconds for GET /health/live on a fresh connection, or the failure."""
    start = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            reply = s.recv(4096).decode(errors="replace")
        status = reply.split(" ", 2)[1] if reply.startswith("HTTP/1.1") else "no answer"
        return f"{status} in {(time.monotonic() - start) * 1000:.1f} ms"
    except OSError as error:
        return f"failed after {(time.monotonic() - start) * 1000:.0f} ms ({error})"


def slowloris(port, count=300, seconds=15):
    sockets = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        s.setblocking(False)
        sockets.append(s)
    start = time.monotonic()
    closed_at = {}
    while time.monotonic() - start < seconds and len(closed_at) < count:
        for i, s in enumerate(sockets):
            if i in closed_at:
                continue
            try:
                s.send(b"X-Trickle: 1\r\n")
                data = s.recv(4096)
                if data == b"" or data.startswith(b"HTTP/1.1 408"):
                    closed_at[i] = time.monotonic() - start
            except BlockingIOError:
                pass
            except OSError:
                closed_at[i] = time.monotonic() - start
        time.sleep(1)
    for s in sockets:
        s.close()
    times = sorted(closed_at.values())
    median = times[len(times) // 2] if times else float("nan")
    print(f"slowloris: {len(times)}/{count} connections closed by the server within {seconds} s "
          f"(REQUEST_HEAD_TIMEOUT_MS={HEAD_TIMEOUT_MS}); median {median:.1f} s")


def idle_exhaustion(port, pid, count=1100):
    sockets, refused = [], 0
    for _ in range(count):
        try:
            sockets.append(socket.create_connection(("127.0.0.1", port), timeout=2))
        except OSError:
            refused += 1
    time.sleep(0.5)
    before = cpu_seconds(pid)
    time.sleep(2)
    spin = (cpu_seconds(pid) - before) / 2
    print(f"idle exhaustion at a 1024 fd limit: {len(sockets)} idle sockets open ({refused} refused); "
          f"/health/live {live(port)}; server CPU {spin:.2f} s/s while they are held")
    for s in sockets:
        s.close()


def shutdown(port, server):
    half = []
    for _ in range(3):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        half.append(s)
    time.sleep(0.3)
    start = time.monotonic()
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
        print(f"SIGTERM with 3 half-sent requests: exited {server.returncode} after {time.monotonic() - start:.2f} s "
              f"(SHUTDOWN_DRAIN_TIMEOUT_MS=3000)")
    except subprocess.TimeoutExpired:
        server.kill()
        print("SIGTERM with 3 half-sent requests: still running after 30 s (killed)")
    for s in half:
        s.close()


def main():
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, max(4096, resource.getrlimit(resource.RLIMIT_NOFILE)[1])))
    with tempfile.TemporaryDirectory() as workdir:
        port = free_port()
        server = start(port, workdir)
        try:
            print(f"baseline /health/live {live(port)}")
            slowloris(port)
            idle_exhaustion(port, server.pid)
            shutdown(port, server)
        finally:
            if server.poll() is None:
                server.kill()


if __name__ == "__main__":
    main()
