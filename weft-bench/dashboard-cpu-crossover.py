#!/usr/bin/env python3
"""What an open dashboard costs an idle service, measured as a crossover: two `weft serve` instances of one build
start at once (fresh SQLite data directories, no traffic) and the page's stream moves between them, phase after
phase, in the order A B B A A B B A ... Each phase's figure is the CPU of A minus the CPU of B (utime + stime from
/proc, per kind of thread). With the page on A that difference is the page's cost plus whatever makes JVM A cost
more than JVM B (its GC, what its JIT compiled); with the page on B it is minus the cost plus the same offset. Half
the difference of the two means is the cost, with the two JVMs' own offset and the machine's moments (shared by both)
taken out; the A B B A order also takes out an offset that drifts linearly.

    weft-bench/dashboard-cpu-crossover.py [--phases 8] [--phase-seconds 180] [--settle 30] [--warmup 300]
                                          [--streams 1] BUILD_DIR

The page is --streams curl streams of `/admin/dashboard/stream` (what a page's script holds open; several streams
share one rendering per reading, so the cost's growth with --streams is what delivering a reading to one more page
costs). Each phase's first --settle seconds are not counted (the stream's opening snapshot). Before the phases, both
services hold a stream for --warmup seconds so that both have compiled the page's code paths.

A BUILD_DIR holds weft.jar and its lib/ (a copy of weft-service/target after `./mvnw install -DskipTests`).
"""
import importlib.util
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("dashboard_cpu", os.path.join(HERE, "dashboard-cpu.py"))
dc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dc)
GROUPS = dc.GROUP_NAMES


def open_streams(port, count):
    """`count` curl loops holding the stream open (reconnecting when the service ends one after its lifetime)."""
    loop = (f'while :; do curl -sN -H "X-API-Key: {dc.KEY}" '
            f'http://127.0.0.1:{port}/admin/dashboard/stream >/dev/null; sleep 1; done')
    return [subprocess.Popen(["bash", "-c", loop], start_new_session=True) for _ in range(count)]


def close_streams(streams):
    for stream in streams:
        os.killpg(stream.pid, signal.SIGTERM)
    for stream in streams:
        stream.wait(10)


def order(phases):
    """A B B A, repeated: the phases with the page on A."""
    return [(i % 4) in (0, 3) for i in range(phases)]


def main():
    args = sys.argv[1:]
    phases = dc.int_option(args, "--phases", 8)
    phase_seconds = dc.int_option(args, "--phase-seconds", 180)
    settle = dc.int_option(args, "--settle", 30)
    warmup = dc.int_option(args, "--warmup", 300)
    count = dc.int_option(args, "--streams", 1)
    if len(args) != 1 or phases < 2 or settle >= phase_seconds:
        raise SystemExit(__doc__)
    build = args[0]
    java = os.path.join(subprocess.check_output([os.path.join(HERE, "..", "bin", "jdk25")], text=True).strip(),
                        "bin", "java")
    services = []  # (port, process) for A and B
    streams = []
    try:
        for _ in ("A", "B"):
            port = dc.free_port()
            env = dict(os.environ, WEFT_PORT=str(port), WEFT_ADMIN_KEY=dc.KEY,
                       WEFT_DATA_DIR=tempfile.mkdtemp(prefix="weft-bench-crossover-"))
            process = subprocess.Popen([java, "-Xms64m", "-jar", os.path.join(build, "weft.jar"), "serve"],
                                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            services.append((port, process))
        for port, _ in services:
            dc.wait_until(lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=2)
                          .status == 200, 180, "a service to be ready")
        if warmup > 0:
            streams = [s for port, _ in services for s in open_streams(port, count)]
            time.sleep(warmup)
            close_streams(streams)
            streams = []
        rows = []  # per phase: (page on A, {group: ms/s of A minus B}, ms/s of A, ms/s of B)
        for phase, on_a in enumerate(order(phases), 1):
            port = services[0 if on_a else 1][0]
            streams = open_streams(port, count)
            time.sleep(settle)
            before = [dc.cpu_by_group(process.pid) for _, process in services]
            started = time.monotonic()
            time.sleep(phase_seconds - settle)
            after = [dc.cpu_by_group(process.pid) for _, process in services]
            seconds = time.monotonic() - started
            close_streams(streams)
            streams = []
            rate = [{g: (a[g] - b[g]) * 1000 / seconds for g in GROUPS} for a, b in zip(after, before)]
            diff = {g: rate[0][g] - rate[1][g] for g in GROUPS}
            rows.append((on_a, diff, sum(rate[0].values()), sum(rate[1].values())))
            print(f"phase {phase:2d}: page on {'A' if on_a else 'B'}: A {rows[-1][2]:.2f}, B {rows[-1][3]:.2f} ms/s; "
                  f"A - B {sum(diff.values()):+.2f}", flush=True)
        on_a = [sum(d.values()) for a, d, _, _ in rows if a]
        on_b = [sum(d.values()) for a, d, _, _ in rows if not a]
        cost = (statistics.mean(on_a) - statistics.mean(on_b)) / 2
        # the two means are independent: the variance of half their difference
        error = (statistics.variance(on_a) / len(on_a) + statistics.variance(on_b) / len(on_b)) ** 0.5 / 2 \
            if len(on_a) > 1 and len(on_b) > 1 else float("nan")
        idle = statistics.mean([b for a, _, _, b in rows if a] + [a_ms for a, _, a_ms, _ in rows if not a])
        by_group = ", ".join(
            f"{g} {(statistics.mean(d[g] for a, d, _, _ in rows if a) - statistics.mean(d[g] for a, d, _, _ in rows if not a)) / 2:+.3f}"
            for g in GROUPS)
        print(f"\n{count} stream(s), {phases} phases of {phase_seconds} s ({settle} s settling), ms of CPU per second:")
        print(f"  idle service (the one without the page, each phase): {idle:.2f}")
        print(f"  the page adds {cost:+.3f} ± {error:.3f} ({cost / idle * 100:+.1f} % of idle); by thread: {by_group}")
        print(f"  offset of JVM A over JVM B: {(statistics.mean(on_a) + statistics.mean(on_b)) / 2:+.2f}")
    finally:
        close_streams(streams)
        for _, process in services:
            process.terminate()
            process.wait(30)


if __name__ == "__main__":
    main()
