#!/usr/bin/env bash
# What the dashboard's sampler thread spends, read from the service itself, for one `weft serve` with or without a
# dashboard stream (issue 21): weft_dashboard_cpu_seconds_total{work=reading|rendering} and the process's CPU
# (/proc/<pid>/stat, of which the GC threads from /proc/<pid>/task/*/stat), over DUR seconds after WARM seconds. Run two
# at once, one with NOSTREAM=1, to compare a page against its idle twin on the same machine at the same time:
#
#   weft-bench/dashboard-cpu-inside.sh BUILD PORT [NAME]        BUILD holds weft.jar and lib/ (a copy of weft-service/target)
#   NOSTREAM=1 weft-bench/dashboard-cpu-inside.sh BUILD PORT2 idle
#
# Knobs: WARM [240] DUR [900] JVM_OPTS [] NOSTREAM []. Prints one line; the service's log goes to $TMPDIR/<NAME>.log.
# Stops what it started; bounded by WARM + DUR + start-up.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAVA=$("$ROOT/bin/jdk25")/bin/java || exit 1
BUILD=${1:?BUILD}; PORT=${2:?PORT}; NAME=${3:-service}
WARM=${WARM:-240}; DUR=${DUR:-900}; KEY=dashboard-bench-admin-key-0123456789
DATA=$(mktemp -d); LOG=${TMPDIR:-/tmp}/$NAME.log; LOOP=
# shellcheck disable=SC2086
WEFT_PORT=$PORT WEFT_ADMIN_KEY=$KEY WEFT_DATA_DIR=$DATA "$JAVA" -Xms64m ${JVM_OPTS:-} -jar "$BUILD/weft.jar" serve >"$LOG" 2>&1 &
PID=$!
cleanup() {
  if [ -n "$LOOP" ]; then kill "$LOOP" 2>/dev/null; pkill -P "$LOOP" 2>/dev/null; fi
  kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; rm -rf "$DATA"
}
trap cleanup EXIT
for _ in $(seq 90); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/health/ready" && break; sleep 1; done
if [ -z "${NOSTREAM:-}" ]; then
  # reconnects when the service ends a stream after its lifetime, as the page does
  ( while :; do curl -sN -H "X-API-Key: $KEY" "http://127.0.0.1:$PORT/admin/dashboard/stream" >/dev/null; sleep 1; done ) &
  LOOP=$!
fi
counters() { curl -s -H "X-API-Key: $KEY" "http://127.0.0.1:$PORT/metrics" \
  | awk '/^weft_dashboard_cpu_seconds_total\{work="reading"/ {r=$2} /^weft_dashboard_cpu_seconds_total\{work="rendering"/ {d=$2} END {print r, d}'; }
# the process's CPU seconds and its GC threads', classified as the other dashboard scripts do (dashboard-cpu.py)
ticks() { python3 - "$ROOT/weft-bench/dashboard-cpu.py" "$PID" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("dashboard_cpu", sys.argv[1])
dc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dc)
pid = int(sys.argv[2])
print(dc.cpu_seconds(pid), dc.cpu_by_group(pid)["gc"])
PY
}
sleep "$WARM"
read -r r0 d0 < <(counters); read -r c0 g0 < <(ticks); t0=$(date +%s.%N)
sleep "$DUR"
read -r r1 d1 < <(counters); read -r c1 g1 < <(ticks); t1=$(date +%s.%N)
python3 -c "
s = $t1 - $t0
print('$NAME: reading %.3f, rendering %.3f ms/s (the sampler thread); process %.2f ms/s, of which GC %.2f; %.0f s' % (
    ($r1 - $r0) * 1000 / s, ($d1 - $d0) * 1000 / s, ($c1 - $c0) * 1000 / s, ($g1 - $g0) * 1000 / s, s))"
