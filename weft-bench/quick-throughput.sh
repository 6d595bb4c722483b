#!/usr/bin/env bash
# A quick, pinned throughput check of one weft.jar, for before/after comparisons of a change (run two builds
# alternately, minutes apart, and compare within the run): weft serve on its embedded default (SQLite, fresh data
# dir) on CPU 1, wrk on CPU 0; one user created; a 5 s warm-up, then 10 s of /health/live and 10 s of the admin
# GET /users/1. Prints "<label> live=<req/s> users=<req/s>". Extra arguments are environment settings for weft, e.g.
#   weft-bench/quick-throughput.sh weft-service/target/weft.jar off
#   weft-bench/quick-throughput.sh weft-service/target/weft.jar on OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318
# Needs wrk, curl, taskset. PORT [18297].
set -uo pipefail
[ $# -ge 2 ] || { sed -n '2,9p' "$0"; exit 2; }
JAR=$1; LABEL=$2; shift 2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAVA="$("$ROOT/bin/jdk25")/bin/java"
PORT=${PORT:-18297}; KEY=wa_quickquickquickquickquick0001
DATA=$(mktemp -d)
env -u DATABASE_URL -u REDIS_URL WEFT_PORT="$PORT" WEFT_BIND=127.0.0.1 WEFT_ADMIN_KEY=$KEY WEFT_RATE_LIMIT=100000000 \
  WEFT_DATA_DIR="$DATA" "$@" taskset -c 1 "$JAVA" -Xms64m -XX:TrimNativeHeapInterval=10000 -Xmx512m -jar "$JAR" serve >"$DATA/weft.log" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/health/live" && break; sleep 0.1; done
curl -s -o /dev/null -H "X-API-Key: $KEY" -H 'content-type: application/json' \
  -d '{"username":"bench1","email":"b1@example.com"}' "http://127.0.0.1:$PORT/users"
timeout 30 taskset -c 0 wrk -t1 -c64 -d5s "http://127.0.0.1:$PORT/health/live" >/dev/null
live=$(timeout 40 taskset -c 0 wrk -t1 -c64 -d10s "http://127.0.0.1:$PORT/health/live" | awk '/Requests\/sec/{print $2}')
users=$(timeout 40 taskset -c 0 wrk -t1 -c64 -d10s -H "X-API-Key: $KEY" "http://127.0.0.1:$PORT/users/1" \
  | awk '/Requests\/sec/{print $2}')
echo "$LABEL live=${live:-failed} users=${users:-failed}"
