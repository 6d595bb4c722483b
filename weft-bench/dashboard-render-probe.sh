#!/usr/bin/env bash
# What rendering the dashboard costs from inside one service, quickly: starts `weft serve` from BUILD_DIR (a copy of
# weft-service/target: weft.jar and lib/) on a fresh SQLite data directory, opens one dashboard stream with curl (no
# browser: the rendering is the same for any client), waits, then prints the service's own
# weft_dashboard_cpu_seconds_total (work="reading": the sampler, always; work="rendering": the page's documents), the
# readings the stream got and the JIT's compile time (-XX:+CITime). Compare two builds by running two at once on
# different ports: they share the machine's moments. The whole process's cost needs dashboard-cpu-pairs.py.
#
#   weft-bench/dashboard-render-probe.sh BUILD_DIR [PORT=18101] [SECONDS=360]
set -euo pipefail
build=${1:?usage: dashboard-render-probe.sh BUILD_DIR [PORT] [SECONDS]}
port=${2:-18101}
seconds=${3:-360}
key=render-probe-admin-key-0123456789abcdef
java="$("$(dirname "$0")/../bin/jdk25")/bin/java"
data=$(mktemp -d -t weft-render-probe-XXXXXX)
WEFT_PORT=$port WEFT_ADMIN_KEY=$key WEFT_DATA_DIR=$data "$java" -Xms64m -XX:+CITime -jar "$build/weft.jar" serve \
    >"$data/service.log" 2>&1 &
service=$!
stream=
cleanup() {
    [ -n "$stream" ] && kill "$stream" 2>/dev/null || true
    kill "$service" 2>/dev/null || true
    wait "$service" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 120); do
    curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break
    sleep 1
done
curl -sN -H "X-API-Key: $key" "http://127.0.0.1:$port/admin/dashboard/stream" >"$data/stream.txt" &
stream=$!
sleep "$seconds"
curl -sf -H "X-API-Key: $key" "http://127.0.0.1:$port/metrics" | grep '^weft_dashboard_cpu_seconds_total'
echo "readings received: $(grep -c '^event: reading' "$data/stream.txt" || true)"
cleanup
trap - EXIT
grep -E 'Total compilation time|C[12] Compile Time' "$data/service.log" || true
echo "data and log: $data"
