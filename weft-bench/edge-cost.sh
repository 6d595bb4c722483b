#!/usr/bin/env bash
# What weft's edge costs per request, against the bare Helidon anchor, measured so that a busy machine moves it
# little (issue 19 item 3): bytes allocated and CPU time per request, besides req/s.
#
#   weft-bench/edge-cost.sh                         /health/live, cached /user-profile/{id}, anchor /plaintext, once
#   ALT=3 weft-bench/edge-cost.sh live anchor       3 alternations of the named targets (live profile anchor users
#                                                   userkey: GET /users/{id} with that user's own key)
#   JAR=/some/weft.jar weft-bench/edge-cost.sh      another build of weft (a copy of weft.jar with its lib/ beside it)
#
# weft (PostgreSQL $WEFT_DB, admin key, access log off, -Xms64m, the native heap trimmer and -Xmx512m as bin/weft) and the Helidon anchor run at the
# same time, each pinned to CPU $SRV_CPU (only one is under load at a time); wrk -t1 -c64 with weft.lua on CPU $WRK_CPU.
# Per target: warm-up until $WARM_REQ requests (by count: on a busy machine a fixed time may leave the JIT unfinished),
# $IDLE s idle, then $DUR s of load. Before and after the idle and the load windows AllocProbe reads the process's
# allocated bytes (JMX TotalThreadAllocatedBytes) and CPU time; a line per target gives them per request, raw and net
# of the idle rate (weft's background work: database probe, job polling, samplers).
# Needs what run-vs-anchors.sh prepares (its database $WEFT_DB with 100,000 users, the anchors' Java build and their
# `anchors` database): run it once, e.g. SMOKE=1. Only the PIDs started here are stopped. Every load is time-limited.
# Knobs [defaults]: WEFT_DB [weftbench] JAR [weft-service/target/weft.jar] ANCHORS_DIR [../shared/bench-anchors]
#   ANCHOR_DIR [$ANCHORS_DIR/java/helidon] WARM [10] WARM_REQ [200000] IDLE [5] DUR [15] ALT [1] SRV_CPU/WRK_CPU [1/0]
#   JFR [0]: 1 records each load window's Java samples (jdk.ExecutionSample every 2 ms) into $OUT/<target>-<n>.jfr (where the time and
#   the bytes go; the recording costs a few per cent, so compare CPU figures only between runs with the same JFR)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAVA_HOME=$("$ROOT/bin/jdk25") || exit 1
JAVA=$JAVA_HOME/bin/java
TARGETS=${*:-live profile anchor}
DUR=${DUR:-15}; WARM=${WARM:-10}; WARM_REQ=${WARM_REQ:-200000}; IDLE=${IDLE:-5}; ALT=${ALT:-1}
SRV_CPU=${SRV_CPU:-1}; WRK_CPU=${WRK_CPU:-0}
WEFT_DB=${WEFT_DB:-weftbench}
JAR=${JAR:-$ROOT/weft-service/target/weft.jar}
ANCHORS_DIR=${ANCHORS_DIR:-$ROOT/../shared/bench-anchors}; [ -d "$ANCHORS_DIR" ] || ANCHORS_DIR=/work/shared/bench-anchors
ANCHOR_DIR=${ANCHOR_DIR:-$ANCHORS_DIR/java/helidon}
ADMIN=wa_weftbench_admin_key_for_loopback_only
WEFT_PORT=18191; ANCHOR_PORT=18192
OUT=$ROOT/weft-bench/target/edge-cost/$(date -u +%Y%m%d-%H%M%S); mkdir -p "$OUT/probe"
LUA=$ROOT/weft-bench/wrk/weft.lua
"$JAVA_HOME/bin/javac" -d "$OUT/probe" "$ROOT/weft-bench/edge-cost/AllocProbe.java" || exit 1
probe() { "$JAVA" -cp "$OUT/probe" AllocProbe "$1"; }
# lets the probe's JMX calls past Helidon's deserialization filter; nothing on the request path deserializes
SERIAL='-Djdk.serialFilter=javax.management.**;java.**;javax.security.**;!*'
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null; done; sleep 1
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -KILL "$p" 2>/dev/null; done
}
trap cleanup EXIT
env -u REDIS_URL -u PROVIDER_URL WEFT_ADMIN_KEY=$ADMIN WEFT_PORT=$WEFT_PORT WEFT_BIND=127.0.0.1 WEFT_RATE_LIMIT=100000000 \
  WEFT_ACCESS_LOG=OFF DATABASE_URL="postgresql://postgres@127.0.0.1:5432/$WEFT_DB" DATABASE_POOL_SIZE=8 \
  WEFT_DATA_DIR="$OUT/data" taskset -c "$SRV_CPU" "$JAVA" -Xms64m -XX:TrimNativeHeapInterval=10000 -Xmx512m "$SERIAL" -jar "$JAR" serve >"$OUT/weft.log" 2>&1 &
WPID=$!; PIDS+=("$WPID")
( cd "$ANCHOR_DIR" && PORT=$ANCHOR_PORT exec taskset -c "$SRV_CPU" "$JAVA" -Xmx512m "$SERIAL" -cp "target/classes:target/lib/*" \
  anchors.Main ) >"$OUT/anchor.log" 2>&1 &
APID=$!; PIDS+=("$APID")
for _ in $(seq 1 600); do
  curl -sf -o /dev/null -m 1 "http://127.0.0.1:$WEFT_PORT/health/live" \
    && curl -sf -o /dev/null -m 1 "http://127.0.0.1:$ANCHOR_PORT/plaintext" && break
  sleep 0.1
done
run() {  # run <base url> <seconds> <env ...> -> weft.lua's RESULT line
  local base=$1 secs=$2; shift 2
  env "$@" timeout $((secs + 30)) taskset -c "$WRK_CPU" wrk -t1 -c64 -d"${secs}s" --timeout 5s -s "$LUA" "$base" 2>&1 \
    | grep '^RESULT'
}
field() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1==k{print $2}'; }
measure() {  # measure <name> <pid> <base url> <env ...>
  local name=$1 pid=$2 base=$3; shift 3
  local warmed=0 n r i0 i1 ia0 ic0 ia1 ic1 t0 t1 a0 c0 a1 c1
  while [ "$warmed" -lt "$WARM_REQ" ]; do
    n=$(field "$(run "$base" "$WARM" "$@")" requests); [ -z "$n" ] && break
    warmed=$((warmed + n))
  done
  i0=$(date +%s%N); read -r ia0 ic0 < <(probe "$pid"); sleep "$IDLE"; read -r ia1 ic1 < <(probe "$pid"); i1=$(date +%s%N)
  t0=$(date +%s%N); read -r a0 c0 < <(probe "$pid")
  [ "${JFR:-0}" = 1 ] && "$JAVA_HOME/bin/jcmd" "$pid" JFR.start name="edge-$name" settings=none +jdk.ExecutionSample#enabled=true +jdk.ExecutionSample#period=2ms \
      filename="$OUT/$name-$(ls "$OUT" | grep -c "^$name-").jfr" >/dev/null
  r=$(run "$base" "$DUR" "$@")
  [ "${JFR:-0}" = 1 ] && "$JAVA_HOME/bin/jcmd" "$pid" JFR.stop name="edge-$name" >/dev/null
  read -r a1 c1 < <(probe "$pid"); t1=$(date +%s%N)
  awk -v n="$name" -v q="$(field "$r" requests)" -v rps="$(field "$r" rps)" -v p99="$(field "$r" p99_us)" \
      -v non="$(field "$r" non2xx)" -v a=$((a1 - a0)) -v c=$((c1 - c0)) -v ia=$((ia1 - ia0)) -v ic=$((ic1 - ic0)) \
      -v idle=$((i1 - i0)) -v win=$((t1 - t0)) 'BEGIN{f = win / idle;
        printf "%-8s rps=%8.0f p99_us=%s alloc_B/req=%6.0f cpu_us/req=%6.2f | net of idle: alloc_B/req=%6.0f cpu_us/req=%6.2f (idle %.1f ms CPU/s) non2xx=%s\n",
          n, rps, p99, a / q, c / q / 1000, (a - ia * f) / q, (c - ic * f) / q / 1000, ic / idle * 1000, non}' \
    | tee -a "$OUT/results.txt"
}
WEFT=http://127.0.0.1:$WEFT_PORT
for _ in $(seq 1 "$ALT"); do
  for t in $TARGETS; do
    case $t in
      live) measure live "$WPID" "$WEFT" MODE=fixed ROUTE=/health/live ;;
      profile)  # ids 1..5000 visited once first, so that the window reads cache hits
        [ -f "$OUT/filled" ] || { run "$WEFT" 8 MODE=fill MAX_ID=5000 PATH_PREFIX=/user-profile/ API_KEY=$ADMIN >/dev/null; touch "$OUT/filled"; }
        measure profile "$WPID" "$WEFT" MODE=random MAX_ID=5000 PATH_PREFIX=/user-profile/ API_KEY=$ADMIN ;;
      users) measure users "$WPID" "$WEFT" MODE=random MAX_ID=100000 PATH_PREFIX=/users/ API_KEY=$ADMIN ;;
      userkey)  # user <id> sends its own key, wk_bench<id> (run-vs-anchors.sh gives them): principal cache and bucket
        measure userkey "$WPID" "$WEFT" MODE=user-key MAX_ID=100000 PATH_PREFIX=/users/ KEY_PREFIX=wk_bench ;;
      anchor) measure anchor "$APID" "http://127.0.0.1:$ANCHOR_PORT" MODE=fixed ROUTE=/plaintext ;;
      *) echo "unknown target $t (live profile users userkey anchor)" >&2 ;;
    esac
  done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); results in $OUT/results.txt" | tee -a "$OUT/results.txt"
