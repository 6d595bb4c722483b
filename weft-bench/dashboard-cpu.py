#!/usr/bin/env python3
"""What an open dashboard costs the service: CPU seconds of `weft serve` over the same idle window without and with
one headless Chromium showing `/` (signed in, polling every 2 s), alternated ROUNDS times, read from
/proc/<pid>/stat (utime + stime). Also prints the bytes the page transferred (Resource Timing API).

    weft-bench/dashboard-cpu.py weft-service/target/weft.jar [SECONDS=60] [ROUNDS=2]

Needs Debian's chromium and chromium-driver; drives chromedriver over its W3C WebDriver HTTP API (stdlib only).
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
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


def http(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def wait_until(check, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("timed out")


class Browser:
    def __init__(self):
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="weft-bench-chromium-")
        self.driver = subprocess.Popen(["/usr/bin/chromedriver", f"--port={self.port}"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        wait_until(lambda: http("GET", self.base + "/status")["value"]["ready"], 20)
        args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1800", f"--user-data-dir={self.profile}"]
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium", "args": args}}}}
        self.session = self.base + "/session/" + http("POST", self.base + "/session", caps)["value"]["sessionId"]

    def go(self, url):
        http("POST", self.session + "/url", {"url": url})

    def script(self, source):
        return http("POST", self.session + "/execute/sync", {"script": source, "args": []})["value"]

    def close(self):
        try:
            http("DELETE", self.session)
        finally:
            self.driver.terminate()
            self.driver.wait(10)
            shutil.rmtree(self.profile, ignore_errors=True)


def main():
    jar = sys.argv[1]
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    port = free_port()
    data = tempfile.mkdtemp(prefix="weft-bench-dashboard-")
    env = dict(os.environ, WEFT_PORT=str(port), WEFT_ADMIN_KEY=KEY, WEFT_DATA_DIR=data)
    java = os.path.join(subprocess.check_output([os.path.join(os.path.dirname(__file__), "..", "bin", "jdk25")],
                                                text=True).strip(), "bin", "java")
    service = subprocess.Popen([java, "-Xms64m", "-jar", jar, "serve"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: urllib.request.urlopen(base + "/health/ready", timeout=2).status == 200, 60)
        time.sleep(20)  # past start-up work (JIT, first probes)
        results = {"idle": [], "open": []}
        for round_number in range(rounds):
            start = cpu_seconds(service.pid)
            time.sleep(seconds)
            results["idle"].append(cpu_seconds(service.pid) - start)
            browser = Browser()
            try:
                browser.go(base + "/")
                browser.script(f"sessionStorage.setItem('weft.adminKey', '{KEY}')")
                browser.go(base + "/")
                wait_until(lambda: browser.script(
                    "return document.getElementById('status').textContent").startswith("Live"), 20)
                if round_number == 0:
                    weight = browser.script("return performance.getEntriesByType('navigation').concat("
                                            "performance.getEntriesByType('resource')).filter(function (e) {"
                                            " return e.initiatorType !== 'fetch'; }).reduce(function (s, e) {"
                                            " return s + e.transferSize; }, 0)")
                    print(f"page weight: {weight} bytes transferred (page, scripts, styles; polls not counted)")
                start = cpu_seconds(service.pid)
                time.sleep(seconds)
                results["open"].append(cpu_seconds(service.pid) - start)
                polls = browser.script("return performance.getEntriesByType('resource').filter(function (e) {"
                                       " return e.initiatorType === 'fetch'; }).length")
            finally:
                browser.close()
            print(f"round {round_number + 1}: idle {results['idle'][-1]:.2f} s CPU, with the dashboard open "
                  f"{results['open'][-1]:.2f} s CPU over {seconds} s ({polls} polls so far)")
        idle = sum(results["idle"]) / rounds
        opened = sum(results["open"]) / rounds
        print(f"mean over {rounds} rounds of {seconds} s: idle {idle:.2f} s, open {opened:.2f} s; "
              f"the open page adds {opened - idle:.2f} s = {(opened - idle) / seconds * 100:.2f} % of one core")
    finally:
        service.terminate()
        service.wait(30)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
