#!/usr/bin/env python3
"""What an open dashboard costs an idle service, measured in pairs: for each build given, two `weft serve` instances
start at once (fresh SQLite data directories, no traffic), one gets a headless Chromium window showing `/` (signed in)
and the other none; every minute the CPU of each process is read from /proc (utime + stime, per kind of thread: JIT
compilers, GC, virtual-thread carriers, other). Both members of a pair share the machine's moments (a build elsewhere,
a burst of the browser), so the per-minute difference is a fairer figure than alternating windows of one service. At
the end, for the minutes from --from on: the idle member's mean, the mean of the per-minute differences with its
standard error, the same as a share of idle, and the difference per kind of thread.

    weft-bench/dashboard-cpu-pairs.py [--minutes 20] [--from 10] [--client browser|curl] BUILD_DIR [BUILD_DIR ...]

--client curl opens the page's stream with curl instead of a browser window (reconnecting when the service ends it
after 15 minutes): the service's work per reading without what a browser adds (loading the page, its reconnects'
requests through the whole request path).

A BUILD_DIR holds weft.jar and its lib/ (a copy of weft-service/target after `./mvnw install -DskipTests`), so two
commits can be compared in one run. Needs Debian's chromium and chromium-driver (it reuses dashboard-cpu.py's
WebDriver client). Idle services still compile their code for many minutes after start and a page's code paths run
only every 2 s: compare the later minutes (--from), not the first ones.
"""
import hashlib
import importlib.util
import os
import re
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


def dashboard_cpu(port):
    """The service's own count of its dashboard's CPU seconds by work (`reading`, `rendering`), from /metrics."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers={"X-API-Key": dc.KEY})
    text = urllib.request.urlopen(request, timeout=10).read().decode()
    return {work: float(value) for work, value in
            re.findall(r'^weft_dashboard_cpu_seconds_total\{[^}]*work="(\w+)"[^}]*\} (\S+)$', text, re.M)}


def jar_digest(build):
    with open(os.path.join(build, "weft.jar"), "rb") as jar:
        return hashlib.sha256(jar.read()).hexdigest()[:12]


def main():
    args = sys.argv[1:]
    minutes = dc.int_option(args, "--minutes", 20)
    first = dc.int_option(args, "--from", 10)
    client = "browser"
    if "--client" in args:
        at = args.index("--client")
        client = args[at + 1]
        del args[at:at + 2]
        if client not in ("browser", "curl"):
            raise SystemExit("--client is browser or curl")
    if not args:
        raise SystemExit(__doc__)
    java = os.path.join(subprocess.check_output([os.path.join(HERE, "..", "bin", "jdk25")], text=True).strip(),
                        "bin", "java")
    services = []  # (build, with page, port, process)
    browser = None
    streams = []  # with --client curl: one reconnecting curl loop per page service
    try:
        for build in args:
            for page in (False, True):
                port = dc.free_port()
                env = dict(os.environ, WEFT_PORT=str(port), WEFT_ADMIN_KEY=dc.KEY,
                           WEFT_DATA_DIR=tempfile.mkdtemp(prefix="weft-bench-pairs-"))
                process = subprocess.Popen([java, "-Xms64m", "-jar", os.path.join(build, "weft.jar"), "serve"],
                                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                services.append((build, page, port, process))
        for _, _, port, _ in services:
            dc.wait_until(lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=2)
                          .status == 200, 180, "a service to be ready")
        if client == "browser":
            browser = dc.Browser()
        for _, page, port, _ in services:
            if page and browser is not None:
                browser.open_dashboard(f"http://127.0.0.1:{port}")
            elif page:
                loop = (f'while :; do curl -sN -H "X-API-Key: {dc.KEY}" '
                        f'http://127.0.0.1:{port}/admin/dashboard/stream >/dev/null; sleep 1; done')
                streams.append(subprocess.Popen(["bash", "-c", loop], start_new_session=True))
        before = [dc.cpu_by_group(process.pid) for *_, process in services]
        rows = []  # per minute, per service: ms of CPU per second by group
        inside = {}  # per page service: its dashboard CPU counters when the compared minutes start
        for minute in range(1, minutes + 1):
            if minute == first:
                inside = {port: (time.monotonic(), dashboard_cpu(port)) for _, page, port, _ in services if page}
            time.sleep(60)
            now = [dc.cpu_by_group(process.pid) for *_, process in services]
            row = [{g: (n[g] - b[g]) * 1000 / 60 for g in GROUPS} for n, b in zip(now, before)]
            before = now
            rows.append(row)
            print(f"minute {minute:2d}: " + " | ".join(
                f"{os.path.basename(os.path.normpath(build))} {'page' if page else 'idle'} "
                f"{sum(r.values()):.2f}" for (build, page, _, _), r in zip(services, row)), flush=True)
        print(f"\nminutes {first}-{minutes}, ms of CPU per second (mean; the page's cost as the mean of per-minute "
              "differences ± its standard error):")
        for pair in range(0, len(services), 2):
            idle = [sum(row[pair].values()) for row in rows[first - 1:]]
            diffs = [sum(row[pair + 1].values()) - sum(row[pair].values()) for row in rows[first - 1:]]
            by_group = ", ".join(
                f"{g} {statistics.mean(row[pair + 1][g] - row[pair][g] for row in rows[first - 1:]):+.2f}"
                for g in GROUPS)
            error = statistics.stdev(diffs) / len(diffs) ** 0.5 if len(diffs) > 1 else float("nan")
            print(f"  {services[pair][0]}: idle {statistics.mean(idle):.2f}; one page adds "
                  f"{statistics.mean(diffs):+.2f} ± {error:.2f} ({statistics.mean(diffs) / statistics.mean(idle) * 100:+.1f} %"
                  f" of idle; median {statistics.median(diffs):+.2f}); by thread: {by_group}")
            port = services[pair + 1][2]
            started, counters = inside[port]
            now = dashboard_cpu(port)
            seconds = time.monotonic() - started
            print("    from inside the page's service (weft_dashboard_cpu_seconds_total), ms per second: " + ", ".join(
                f"{work} {(now[work] - counters.get(work, 0)) * 1000 / seconds:.3f}" for work in sorted(now)))
        by_jar = {}
        for pair in range(0, len(services), 2):
            by_jar.setdefault(jar_digest(services[pair][0]), []).append(pair)
        for digest, pairs in by_jar.items():
            if len(pairs) < 2:
                continue
            # the pairs of one build pooled: each minute's differences averaged over its pairs, then over the minutes
            diffs = [statistics.mean(sum(row[p + 1].values()) - sum(row[p].values()) for p in pairs)
                     for row in rows[first - 1:]]
            idle = statistics.mean(sum(row[p].values()) for p in pairs for row in rows[first - 1:])
            error = statistics.stdev(diffs) / len(diffs) ** 0.5
            print(f"  {len(pairs)} pairs of weft.jar {digest} pooled: idle {idle:.2f}; one page adds "
                  f"{statistics.mean(diffs):+.2f} ± {error:.2f} ({statistics.mean(diffs) / idle * 100:+.1f} % of idle)")
    finally:
        if browser is not None:
            browser.close()
        for stream in streams:
            os.killpg(stream.pid, signal.SIGTERM)
        for *_, process in services:
            process.terminate()
            process.wait(30)


if __name__ == "__main__":
    main()
