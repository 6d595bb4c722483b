#!/usr/bin/env bash
# Two measurements of weft alone, outside run-vs-anchors.sh, with the same pinning (server on CPU 1, wrk on CPU 0):
#   1. startup to ready on SQLite: STARTS starts from one AOT cache (recorded by a first start), each with a fresh
#      data directory, milliseconds from launch to the first 200 on /health/ready;
#   2. the JIT warm-up curve of GET /users/{id} on PostgreSQL: weft freshly started (AOT cache recorded on
#      PostgreSQL first), then STEPS back-to-back wrk runs of STEP seconds, req/s of each.
#
#   weft-bench/warmup-and-startup.sh          ~2 minutes; needs the weftbench database of run-vs-anchors.sh
#   STARTS=5 STEPS=8 STEP=5 SKIP_CURVE=1 ...  knobs; JAVA_OPTS [-Xmx512m]; LAUNCHER_OPTS [-Xms64m -XX:TrimNativeHeapInterval=10000, as bin/weft]; PORT [18095]
# Needs: a built weft.jar, wrk, curl, taskset, ../shared/bench-anchors/bench.lua (or ANCHORS_DIR).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAVA="$("$ROOT/bin/jdk25")/bin/java"
JAR="$ROOT/weft-service/target/weft.jar"
ANCHORS_DIR=${ANCHORS_DIR:-$ROOT/../shared/bench-anchors}
STARTS=${STARTS:-5} STEPS=${STEPS:-8} STEP=${STEP:-5} PORT=${PORT:-18095} JAVA_OPTS=${JAVA_OPTS:--Xmx512m} LAUNCHER_OPTS=${LAUNCHER_OPTS:--Xms64m -XX:TrimNativeHeapInterval=10000}
KEY=wa_warmupwarmupwarmupwarmup0001
OUT="$ROOT/weft-bench/target/warmup-and-startup"; rm -rf "$OUT"; mkdir -p "$OUT"
[ -f "$JAR" ] || { echo "build first: ./mvnw -B -q -ntp package -DskipTests -pl weft-service -am" >&2; exit 1; }
PID=""
cleanup() { [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null; wait 2>/dev/null; }
trap cleanup EXIT

start() {  # start <log> <env ...> -- <jvm flags ...>: sets PID
  local logf=$1; shift; local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
  env -u DATABASE_URL -u REDIS_URL "${envs[@]}" WEFT_PORT=$PORT WEFT_BIND=127.0.0.1 WEFT_ADMIN_KEY=$KEY \
    WEFT_RATE_LIMIT=100000000 taskset -c 1 "$JAVA" $LAUNCHER_OPTS "$@" $JAVA_OPTS -jar "$JAR" serve >"$logf" 2>&1 &
  PID=$!
}
ready_ms() {  # ready_ms <t0 ns> <path> [key]: ms until the first 200, or "timeout"
  local deadline=$(( $(date +%s) + 120 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    [ "$(curl -s -o /dev/null -m 1 -w '%{http_code}' ${3:+-H "X-API-Key: $3"} "http://127.0.0.1:$PORT$2")" = 200 ] \
      && { echo $(( ($(date +%s%N) - $1) / 1000000 )); return 0; }
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.01
  done
  echo timeout; return 1
}
stop() { kill -TERM "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=""; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# 1. SQLite starts
rm -rf "$OUT/data"; start "$OUT/train.log" WEFT_DATA_DIR="$OUT/data" -- -XX:AOTCacheOutput="$OUT/sqlite.aot"
ready_ms "$(date +%s%N)" /health/ready >/dev/null; stop
samples=()
for i in $(seq 1 "$STARTS"); do
  rm -rf "$OUT/data"; t0=$(date +%s%N)
  start "$OUT/start-$i.log" WEFT_DATA_DIR="$OUT/data" -- -XX:AOTCache="$OUT/sqlite.aot"
  samples+=("$(ready_ms "$t0" /health/ready)"); stop
done
echo "startup to ready, SQLite, fresh data dir, AOT cache, ms: ${samples[*]}"
echo "  in-process (JVM uptime at 'weft service listening'), ms: $(grep -ho '"startup_ms":"\?[0-9]*' "$OUT"/start-*.log \
  | tr -dc '0-9\n' | tr '\n' ' ')"

# 2. the warm-up curve
[ "${SKIP_CURVE:-0}" = 1 ] && exit 0
PG="postgresql://postgres@127.0.0.1:5432/${WEFT_DB:-weftbench}"
start "$OUT/pg-train.log" DATABASE_URL="$PG" DATABASE_POOL_SIZE=8 WEFT_DATA_DIR="$OUT/pg" -- \
  -XX:AOTCacheOutput="$OUT/pg.aot"
ready_ms "$(date +%s%N)" /users/1 "$KEY" >/dev/null || { echo "weft on $PG did not answer GET /users/1"; exit 1; }
stop
start "$OUT/pg.log" DATABASE_URL="$PG" DATABASE_POOL_SIZE=8 WEFT_DATA_DIR="$OUT/pg" -- -XX:AOTCache="$OUT/pg.aot"
ready_ms "$(date +%s%N)" /users/1 "$KEY" >/dev/null || exit 1
curve=()
for i in $(seq 1 "$STEPS"); do
  r=$(WRK_MODE=users API_KEY=$KEY timeout $((STEP + 30)) taskset -c 0 wrk -t1 -c64 -d"${STEP}s" --timeout 5s \
    -s "$ANCHORS_DIR/bench.lua" "http://127.0.0.1:$PORT" | grep -o 'rps=[0-9]*' | cut -d= -f2)
  curve+=("${r:-failed}")
done
echo "GET /users/{id} req/s per ${STEP} s window from a fresh start (wrk -t1 -c64): ${curve[*]}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
