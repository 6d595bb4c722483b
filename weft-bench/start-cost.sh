#!/usr/bin/env bash
# What a start costs by how it is asked for, on SQLite (fresh data directory each time), from JDK 25's AOT cache:
#   1. `weft serve` with its address and port as environment (the image's way, no picocli) against
#      `weft serve --bind ... --port ...` (picocli's model, whose Java 5 classes the AOT cache cannot hold):
#      milliseconds from launch to the first 200 on /health/ready, alternated ROUNDS times, pinned to CPU 1 and
#      then on CPUs 0-1; each form from a cache recorded by a start of that same form;
#   2. one `weft health URL` (a container's health check) against a running service, ROUNDS times: wall, user and
#      system seconds from /usr/bin/time, with the flags of the launchers (one-shot tools: -XX:TieredStopAtLevel=1)
#      and without that flag.
#
#   weft-bench/start-cost.sh                  ~2 minutes; JAR=/some/copy/weft.jar (its lib/ beside it) for another build
#   ROUNDS=6 PORT=18096 ...                   knobs
# Needs: a built weft.jar, curl, taskset, /usr/bin/time. Every process it starts is stopped; nothing else is touched.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAVA="$("$ROOT/bin/jdk25")/bin/java"
JAR=${JAR:-$ROOT/weft-service/target/weft.jar}
ROUNDS=${ROUNDS:-4} PORT=${PORT:-18096}
OUT="$ROOT/weft-bench/target/start-cost/$(date -u +%Y%m%d-%H%M%S)"; mkdir -p "$OUT"
[ -f "$JAR" ] || { echo "build first: ./mvnw -B -q -ntp package -DskipTests -pl weft-service -am" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install -y time)" >&2; exit 1; }
LAUNCHER=(-Xms64m -XX:TrimNativeHeapInterval=10000 -Xlog:aot*=off -Xlog:cds*=off)
PID=""
cleanup() { [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null; wait 2>/dev/null; }
trap cleanup EXIT

serve() {  # serve <cpus> <data dir> <env|flags> [jvm flags ...]: starts weft in the background, sets PID
  local cpus=$1 data=$2 form=$3; shift 3
  local args=(serve)
  [ "$form" = flags ] && args=(serve --bind 127.0.0.1 --port "$PORT")
  env -u DATABASE_URL -u REDIS_URL WEFT_DATA_DIR="$data" WEFT_BIND=127.0.0.1 WEFT_PORT="$PORT" \
    taskset -c "$cpus" "$JAVA" "${LAUNCHER[@]}" "$@" -jar "$JAR" "${args[@]}" >"$data.log" 2>&1 &
  PID=$!
}
ready_ms() {  # ready_ms <t0 ns>: ms until /health/ready answers 200, or "timeout"
  local deadline=$(( $(date +%s) + 60 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    kill -0 "$PID" 2>/dev/null || break  # not another process's answer on the port: ours must be alive
    curl -sf -o /dev/null -m 1 "http://127.0.0.1:$PORT/health/ready" \
      && { echo $(( ($(date +%s%N) - $1) / 1000000 )); return 0; }
    sleep 0.01
  done
  echo timeout
}
stop() { kill -TERM "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=""; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

if curl -s -o /dev/null -m 1 "http://127.0.0.1:$PORT/"; then echo "port $PORT is in use: PORT=..." >&2; exit 1; fi
for form in env flags; do  # an AOT cache per form, recorded the way bin/image records the image's
  serve 0-1 "$OUT/train-$form" "$form" -XX:AOTCacheOutput="$OUT/$form.aot"
  [ "$(ready_ms "$(date +%s%N)")" = timeout ] && { echo "the $form training start failed: $OUT/train-$form.log" >&2; exit 1; }
  stop
  [ -s "$OUT/$form.aot" ] || { echo "the $form training start wrote no AOT cache: $OUT/train-$form.log" >&2; exit 1; }
done
for cpus in 1 0-1; do
  env_ms=(); flags_ms=()
  for round in $(seq 1 "$ROUNDS"); do
    for form in env flags; do
      # AOTMode=on: a start that could not use its cache fails instead of being timed without one
      t0=$(date +%s%N); serve "$cpus" "$OUT/run-$cpus-$form-$round" "$form" -XX:AOTMode=on -XX:AOTCache="$OUT/$form.aot"
      ms=$(ready_ms "$t0"); stop
      [ "$ms" = timeout ] && { echo "a start failed: $OUT/run-$cpus-$form-$round.log" >&2; exit 1; }
      if [ "$form" = env ]; then env_ms+=("$ms"); else flags_ms+=("$ms"); fi
    done
  done
  echo "start to ready, CPUs $cpus: env ${env_ms[*]} (median $(printf '%s\n' "${env_ms[@]}" | median) ms)" \
    "| flags ${flags_ms[*]} (median $(printf '%s\n' "${flags_ms[@]}" | median) ms)"
done

serve 0-1 "$OUT/probed" env -XX:AOTCache="$OUT/env.aot"
[ "$(ready_ms "$(date +%s%N)")" = timeout ] && { echo "the probed service did not start" >&2; exit 1; }
for jit in launcher full; do
  flags=(-XX:TieredStopAtLevel=1); [ "$jit" = full ] && flags=()
  lines=()
  for round in $(seq 1 "$ROUNDS"); do
    line=$( { /usr/bin/time -f '%x %e %U %S' "$JAVA" "${LAUNCHER[@]}" "${flags[@]}" -XX:AOTMode=on \
      -XX:AOTCache="$OUT/env.aot" -jar "$JAR" health "http://127.0.0.1:$PORT" >/dev/null; } 2>&1 | tail -1)
    [ "${line%% *}" = 0 ] || { echo "a weft health check failed: $line" >&2; exit 1; }
    lines+=("${line#* }")
  done
  printf '%s\n' "${lines[@]}" | awk -v jit="$jit" '{w[NR]=$1; c[NR]=$2+$3} END {
    printf "weft health (%s JIT): wall s", jit; for (i = 1; i <= NR; i++) printf " %s", w[i];
    printf " | CPU s (user + system)"; for (i = 1; i <= NR; i++) printf " %.2f", c[i]; print "" }'
done
stop
echo "logs: $OUT"
