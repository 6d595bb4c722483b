#!/usr/bin/env python3
"""What open dashboards cost the service: CPU seconds of `weft serve` over equal windows with no dashboard, one and
three open (each a headless Chromium window showing `/`, signed in), alternated ROUNDS times (the order reversed every
other round, so a service that warms up or a machine that gets busier does not favour one state), read from
/proc/<pid>/stat (utime + stime). Prints each window in ms of CPU per second, the medians, and what each count of
pages adds over idle (median of the per-round differences, and as % of the idle median), and per kind of thread (JIT
compilers, GC, virtual-thread carriers, other; from /proc/<pid>/task/*/stat). With --load RPS a steady
workload of GET /users/{id} at RPS requests per second runs through every window (the "light steady workload" of
issue 21). Also prints the bytes the page transferred (Resource Timing API, streams and polls not counted).

    weft-bench/dashboard-cpu.py weft-service/target/weft.jar [SECONDS=60] [ROUNDS=3] [--load 50] [--pages 0,1,3]
        [--warmup 20] [--warm-pages 0]

--warm-pages N keeps N dashboards open through the warm-up (default 0: the warm-up runs without a page), so that the
windows measure a page's steady cost rather than the one-time compilation of its code paths, which the JIT does over
the first minutes a page is open.

Works with any version of the page that writes "Live" in #status (the polling one and the streaming one). Needs
Debian's chromium and chromium-driver; drives chromedriver over its W3C WebDriver HTTP API (stdlib only).
"""
import http.client as httpclient
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

KEY = "dashboard-bench-admin-key-0123456789"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields after the command: state is [0], utime [11], stime [12] (stat(5) fields 14 and 15)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


GROUPS = (("jit", ("C1 CompilerThre", "C2 CompilerThre")), ("gc", ("GC Thread", "G1 ")),
          ("carriers", ("ForkJoinPool",)))


GROUP_NAMES = tuple(name for name, _ in GROUPS) + ("other",)


def int_option(args, name, default):
    """Removes `name VALUE` from args and answers VALUE as an int, or default when absent (shared by the scripts
    that load this one)."""
    if name in args:
        at = args.index(name)
        value = int(args[at + 1])
        del args[at:at + 2]
        return value
    return default


def cpu_by_group(pid):
    """CPU seconds so far per kind of thread: JIT compilers, GC, the virtual threads' carriers (where requests,
    streams, the sampler and the job workers run) and the rest; a thread that ended takes its share with it."""
    out = {"jit": 0.0, "gc": 0.0, "carriers": 0.0, "other": 0.0}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                text = f.read()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text.rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        group = next((g for g, prefixes in GROUPS if name.startswith(prefixes)), "other")
        out[group] += seconds
    return out


def http(method, url, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers=dict({"Content-Type": "application/json"}, **(headers or {})))
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def wait_until(check, seconds, what="it"):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


class Browser:
    """One Chromium; window 0 stays on about:blank, windows 1..n show the dashboard."""

    def __init__(self):
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="weft-bench-chromium-")
        self.driver = subprocess.Popen(["/usr/bin/chromedriver", f"--port={self.port}"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        wait_until(lambda: http("GET", self.base + "/status")["value"]["ready"], 60, "chromedriver")
        args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--disable-background-timer-throttling",
                "--disable-backgrounding-occluded-windows", "--disable-renderer-backgrounding",
                "--window-size=1400,1800", f"--user-data-dir={self.profile}"]
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium", "args": args}}}}
        self.session = self.base + "/session/" + http("POST", self.base + "/session", caps)["value"]["sessionId"]
        self.blank = http("GET", self.session + "/window")["value"]
        self.pages = []

    def go(self, url):
        http("POST", self.session + "/url", {"url": url})

    def script(self, source):
        return http("POST", self.session + "/execute/sync", {"script": source, "args": []})["value"]

    def switch(self, handle):
        http("POST", self.session + "/window", {"handle": handle})

    def open_dashboard(self, base):
        """Opens one more window on the dashboard, signed in, and waits until it is live."""
        handle = http("POST", self.session + "/window/new", {"type": "window"})["value"]["handle"]
        self.switch(handle)
        self.go(base + "/")
        self.script(f"sessionStorage.setItem('weft.adminKey', '{KEY}')")  # sessionStorage is per window
        self.go(base + "/")
        wait_until(lambda: self.script("return document.getElementById('status').textContent").startswith("Live"), 60,
                   "the page to be live")
        self.pages.append(handle)

    def close_dashboard(self):
        self.switch(self.pages.pop())
        http("DELETE", self.session + "/window")
        self.switch(self.blank)

    def weight(self):
        return self.script("return performance.getEntriesByType('navigation').concat("
                           "performance.getEntriesByType('resource')).filter(function (e) {"
                           " return e.initiatorType !== 'fetch'; }).reduce(function (s, e) {"
                           " return s + e.transferSize; }, 0)")

    def close(self):
        try:
            http("DELETE", self.session)
        finally:
            self.driver.terminate()
            self.driver.wait(10)
            shutil.rmtree(self.profile, ignore_errors=True)


class Load:
    """GET /users/{id} at a steady rate on one keep-alive connection, until stopped."""

    def __init__(self, port, rate):
        self.port = port
        self.rate = rate
        self.stopped = threading.Event()
        user = http("POST", f"http://127.0.0.1:{port}/users", {"username": "bench", "email": "bench@example.com"},
                    {"X-API-Key": KEY})
        self.path = f"/users/{user['id']}"
        self.key = user.get("api_key") or KEY
        self.sent = 0
        self.errors = 0
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        connection = httpclient.HTTPConnection("127.0.0.1", self.port, timeout=10)
        period = 1.0 / self.rate
        next_at = time.monotonic()
        while not self.stopped.is_set():
            try:
                connection.request("GET", self.path, headers={"X-API-Key": self.key})
                response = connection.getresponse()
                response.read()
                self.sent += 1
                if response.status != 200:
                    self.errors += 1
            except (OSError, httpclient.HTTPException):
                self.errors += 1
                connection.close()
                connection = httpclient.HTTPConnection("127.0.0.1", self.port, timeout=10)
            next_at += period
            time.sleep(max(0.0, next_at - time.monotonic()))

    def stop(self):
        self.stopped.set()
        self.thread.join(15)


def main():
    args = [a for a in sys.argv[1:]]
    rate = 0
    warmup = 20
    pages = [0, 1, 3]
    warm_pages = 0
    if "--warm-pages" in args:
        at = args.index("--warm-pages")
        warm_pages = int(args[at + 1])
        del args[at:at + 2]
    if "--warmup" in args:
        at = args.index("--warmup")
        warmup = int(args[at + 1])
        del args[at:at + 2]
    if "--load" in args:
        at = args.index("--load")
        rate = int(args[at + 1])
        del args[at:at + 2]
    if "--pages" in args:
        at = args.index("--pages")
        pages = [int(n) for n in args[at + 1].split(",")]
        del args[at:at + 2]
    jar = args[0]
    seconds = int(args[1]) if len(args) > 1 else 60
    rounds = int(args[2]) if len(args) > 2 else 3
    port = free_port()
    data = tempfile.mkdtemp(prefix="weft-bench-dashboard-")
    env = dict(os.environ, WEFT_PORT=str(port), WEFT_ADMIN_KEY=KEY, WEFT_DATA_DIR=data)
    java = os.path.join(subprocess.check_output([os.path.join(os.path.dirname(__file__), "..", "bin", "jdk25")],
                                                text=True).strip(), "bin", "java")
    service = subprocess.Popen([java, "-Xms64m", "-jar", jar, "serve"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    load = None
    browser = None
    try:
        wait_until(lambda: urllib.request.urlopen(base + "/health/ready", timeout=2).status == 200, 180,
                   "the service to be ready")
        if rate:
            load = Load(port, rate)
        browser = Browser()
        browser.open_dashboard(base)  # once, to weigh the page and warm what a page uses
        print(f"page weight: {browser.weight()} bytes transferred on a second visit "
              "(page, scripts, styles; streams and polls not counted)")
        browser.close_dashboard()
        while len(browser.pages) < warm_pages:
            browser.open_dashboard(base)
        time.sleep(warmup)  # past start-up work (JIT, first probes); a page's code paths take minutes to compile
        print(f"warm-up: {warmup} s with {warm_pages} page(s) open", flush=True)
        results = {n: [] for n in pages}
        groups = {n: {"jit": [], "gc": [], "carriers": [], "other": []} for n in pages}
        for round_number in range(rounds):
            order = pages if round_number % 2 == 0 else list(reversed(pages))
            for n in order:
                while len(browser.pages) < n:
                    browser.open_dashboard(base)
                while len(browser.pages) > n:
                    browser.close_dashboard()
                time.sleep(2)  # the change itself (sign-in, first snapshot) is not what is measured
                start = cpu_seconds(service.pid)
                start_groups = cpu_by_group(service.pid)
                time.sleep(seconds)
                results[n].append((cpu_seconds(service.pid) - start) * 1000 / seconds)
                end_groups = cpu_by_group(service.pid)
                for group in end_groups:
                    groups[n][group].append((end_groups[group] - start_groups[group]) * 1000 / seconds)
            print(f"round {round_number + 1}: " + ", ".join(
                f"{n} open {results[n][-1]:.1f} ms/s" for n in pages), flush=True)
        if load:
            print(f"load: {load.sent} GET {load.path} sent at {rate}/s, {load.errors} errors")
        idle = statistics.median(results[0]) if 0 in results else None
        print(f"medians over {rounds} rounds of {seconds} s, service CPU in ms per second"
              + (f" (under {rate} req/s)" if rate else " (no traffic)") + ":")
        for n in pages:
            line = f"  {n} open: {statistics.median(results[n]):.2f} ms/s"
            if idle is not None and n:
                added = statistics.median([results[n][r] - results[0][r] for r in range(rounds)])
                line += f", adds {added:+.2f} ms/s ({added / idle * 100:+.1f} % of idle)"
            line += " [" + ", ".join(f"{g} {statistics.median(v):.1f}" for g, v in groups[n].items()) + "]"
            print(line)
    finally:
        if load:
            load.stop()
        if browser:
            browser.close()
        service.terminate()
        service.wait(30)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
