#!/usr/bin/env bash
# Runs every JMH suite of weft-bench (weft-db vs raw JDBC and psql \copy, streaming under -Xmx64m, weft-cache vs
# raw Caffeine/Lettuce, weft-http vs raw HttpClient 5) and prints a summary with each weft/baseline ratio measured
# in this run, ending in one Markdown table of all of them.
#
#   weft-bench/run-benchmarks.sh            full run, about 7 minutes on 2 cores
#   QUICK=1 weft-bench/run-benchmarks.sh    smoke run, about 3 minutes (shorter JMH, 100,000-row bulk insert)
#   SUITES=db,cache,http                    the suites to run (default all three); the summary marks the others missing
#   BUILD=0 ...                             skip the Maven build and run what weft-bench/target already holds
#   SELECT_JMH="..." BULK_JMH="..." CACHE_JMH="..." HTTP_JMH="..."
#                                           replace the JMH options of a step, e.g. SELECT_JMH="-f 1 -wi 5 -w 5s -i 3 -r 5s"
#
# Needs: PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres, database test), psql, Redis on 127.0.0.1:6379
# (cache suite), a JDK 25 (bin/jdk25). Loopback only. Every step runs under `timeout`. Writes
# weft-bench/target/results/:
#   select-by-id.json, bulk-insert.json   weft-db JMH results (JSON)
#   cache.json, http.json                 weft-cache and weft-http JMH results (JSON)
#   psql-copy.txt                         psql \copy wall times, seconds, one run a line
#   stream.properties, stream.log         the streaming pass
#   cross-instance.txt                    CrossInstanceCacheBench (invalidation latency, single flight)
#   machine.txt, summary.txt              machine, load averages, and the summary printed at the end
# Tables left in database test: bench_select (10,000 rows), bench_stream (1,000,000 rows, reused by the next run),
# bench_bulk (UNLOGGED, emptied at the end).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
JAVA_HOME=$(bin/jdk25)
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
JAVA="$JAVA_HOME/bin/java"
export PGHOST=127.0.0.1 PGPORT=5432 PGDATABASE=test PGUSER=postgres PGCONNECT_TIMEOUT=5
export PGOPTIONS='-c client_min_messages=warning'

QUICK=${QUICK:-0}
SUITES=${SUITES:-db,cache,http}
if [ "$QUICK" = 1 ]; then
  SELECT_OPTS=(-f 1 -wi 1 -w 2s -i 1 -r 3s)
  BULK_ROWS=100000
  BULK_OPTS=(-f 1 -wi 1 -i 2)
  CACHE_OPTS=(-f 1 -wi 1 -w 2s -i 2 -r 2s)
  HTTP_OPTS=(-f 1 -wi 1 -w 2s -i 2 -r 2s)
  CROSS_ROUNDS=200
else
  SELECT_OPTS=(-f 1 -wi 2 -w 5s -i 3 -r 5s)
  BULK_ROWS=1000000
  BULK_OPTS=(-f 1 -wi 1 -i 3)
  CACHE_OPTS=(-f 1 -wi 3 -w 3s -i 5 -r 3s)
  HTTP_OPTS=()   # the classes' own annotations (warm-up 3x3 s, 5x3 s measured; batch: 3 + 10 single shots)
  CROSS_ROUNDS=1000
fi
[ -n "${SELECT_JMH:-}" ] && read -r -a SELECT_OPTS <<< "$SELECT_JMH"
[ -n "${BULK_JMH:-}" ] && read -r -a BULK_OPTS <<< "$BULK_JMH"
[ -n "${CACHE_JMH:-}" ] && read -r -a CACHE_OPTS <<< "$CACHE_JMH"
[ -n "${HTTP_JMH:-}" ] && read -r -a HTTP_OPTS <<< "$HTTP_JMH"
suite() { [[ ",$SUITES," == *",$1,"* ]]; }
PSQL_RUNS=3
STREAM_ROWS=1000000
# weft-db reads timestamptz shifted by the JVM's zone offset unless the zone is UTC (see docs/BENCHMARKS.md); the
# benchmarks check every row they read, so pin the zone. JMH forks inherit the host JVM's arguments.
JVM_OPTS=(-Duser.timezone=UTC)

RESULTS=weft-bench/target/results
DATA=weft-bench/target/data
CP="weft-bench/target/classes:weft-bench/target/lib/*"

# The load average counts this run's own threads too; other Maven builds running at the same time are the
# interference to watch for on a shared machine.
step() {
  printf '\n== %s  (load average %s; other Maven builds running: %s)\n' "$*" "$(cut -d' ' -f1-3 /proc/loadavg)" \
    "$(pgrep -fc plexus-classworlds || true)" | tee -a "$RESULTS/machine.txt"
}
seconds_since() { awk -v start="$1" -v end="$(date +%s%N)" 'BEGIN { printf "%.3f\n", (end - start) / 1e9 }'; }
sql() { timeout 120 psql -X -v ON_ERROR_STOP=1 -Atqc "$1"; }

if ! sql 'SELECT 1' >/dev/null 2>&1; then
  echo "PostgreSQL does not answer on $PGHOST:$PGPORT (database $PGDATABASE, user $PGUSER)" >&2
  exit 1
fi

if [ "${BUILD:-1}" != 0 ]; then
  echo "== build: ./mvnw -q -pl weft-bench -am package -DskipTests"
  timeout 900 ./mvnw -B -q -ntp -pl weft-bench -am package -DskipTests
fi
[ -d weft-bench/target/lib ] || { echo "weft-bench is not built: run without BUILD=0" >&2; exit 1; }

rm -rf "$RESULTS"
mkdir -p "$RESULTS" "$DATA"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "mode: $([ "$QUICK" = 1 ] && echo 'QUICK=1 (smoke run)' || echo full)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git status --porcelain -- weft-core weft-db 2>/dev/null \
    | grep -q . && echo ' + uncommitted changes in weft-core/weft-db')"
  echo "nproc: $(nproc)"
  echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
  echo "memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "java: $("$JAVA" -version 2>&1 | sed -n 2p)"
  echo "postgresql: $(sql 'SELECT version()')"
  echo "postgresql settings: $(sql "SELECT string_agg(name || '=' || setting, ' ' ORDER BY name) FROM pg_settings
      WHERE name IN ('shared_buffers', 'synchronous_commit', 'fsync', 'max_wal_size', 'wal_level')")"
} > "$RESULTS/machine.txt"
cat "$RESULTS/machine.txt"

jmh() { # name, then JMH arguments; -foe: a failing benchmark fails the run
  local name=$1 status
  shift
  set +e
  timeout 1200 "$JAVA" "${JVM_OPTS[@]}" -cp "$CP" org.openjdk.jmh.Main "$@" -foe true \
    -rf json -rff "$RESULTS/$name.json" 2>&1 | tee "$RESULTS/$name.log" \
    | grep -E '^(# (Warmup|Benchmark|Parameters):|# Warmup Iteration|Iteration|Benchmark +|[A-Za-z]+Benchmark\.)|Exception'
  status=${PIPESTATUS[0]}
  set -e
  if [ "$status" != 0 ] || [ ! -s "$RESULTS/$name.json" ]; then
    echo "JMH run $name failed (exit $status); see $RESULTS/$name.log" >&2
    exit 1
  fi
}

if suite db; then
step "1. SelectByIdBenchmark (JMH ${SELECT_OPTS[*]})"
jmh select-by-id 'dev.weft.bench.SelectByIdBenchmark' "${SELECT_OPTS[@]}"

step "2a. BulkInsertBenchmark, $BULK_ROWS rows (JMH ${BULK_OPTS[*]})"
jmh bulk-insert 'dev.weft.bench.BulkInsertBenchmark' "${BULK_OPTS[@]}" -p rows="$BULK_ROWS"

step "2b. psql \\copy of the same $BULK_ROWS rows, $PSQL_RUNS runs"
CSV="$DATA/bench-rows-$BULK_ROWS.csv"
timeout 300 "$JAVA" "${JVM_OPTS[@]}" -cp "$CP" dev.weft.bench.BenchRows "$BULK_ROWS" "$CSV"
# the same table BulkInsertBenchmark creates (it has run already; this only guards a run without it)
sql "CREATE UNLOGGED TABLE IF NOT EXISTS bench_bulk (id bigint, name text, amount bigint, created_at timestamptz)
     WITH (autovacuum_enabled = false)"
: > "$RESULTS/psql-copy.txt"
for run in $(seq 1 "$PSQL_RUNS"); do
  sql 'TRUNCATE bench_bulk'
  start=$(date +%s%N)
  timeout 300 psql -X -v ON_ERROR_STOP=1 -q \
    -c "\\copy bench_bulk (id, name, amount, created_at) FROM '$CSV' WITH (FORMAT csv)"
  took=$(seconds_since "$start")
  count=$(sql 'SELECT count(*) FROM bench_bulk')
  [ "$count" = "$BULK_ROWS" ] || { echo "psql \\copy loaded $count rows, expected $BULK_ROWS" >&2; exit 1; }
  echo "$took" >> "$RESULTS/psql-copy.txt"
  echo "run $run: $took s"
done
sql 'TRUNCATE bench_bulk'

step "3. StreamLargeResult, $STREAM_ROWS rows, -Xmx64m"
timeout 600 "$JAVA" "${JVM_OPTS[@]}" -Xmx64m -cp "$CP" dev.weft.bench.StreamLargeResult "$STREAM_ROWS" \
  "$RESULTS/stream.properties" 2>&1 | tee "$RESULTS/stream.log"

fi

if suite cache; then
  if ! timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/6379' 2>/dev/null; then
    echo "Redis does not answer on 127.0.0.1:6379 (needed by the cache suite; SUITES=db,http skips it)" >&2
    exit 1
  fi
  step "4a. LocalCacheHitBenchmark, RedisGetBenchmark (JMH ${CACHE_OPTS[*]})"
  jmh cache 'dev.weft.bench.(LocalCacheHitBenchmark|RedisGetBenchmark)' "${CACHE_OPTS[@]}"
  step "4b. CrossInstanceCacheBench ($CROSS_ROUNDS rounds)"
  timeout 600 "$JAVA" "${JVM_OPTS[@]}" -Drounds="$CROSS_ROUNDS" -cp "$CP" dev.weft.bench.CrossInstanceCacheBench 2>&1 \
    | grep -v -E '^[0-9:. ]+(DEBUG|INFO)' | tee "$RESULTS/cross-instance.txt"
  [ "${PIPESTATUS[0]}" = 0 ] || { echo "CrossInstanceCacheBench failed; see $RESULTS/cross-instance.txt" >&2; exit 1; }
fi

if suite http; then
  step "5. HttpGetBenchmark, HttpFailFastBenchmark, HttpBatchBenchmark (JMH ${HTTP_OPTS[*]:-as annotated})"
  jmh http 'dev.weft.bench.Http(Get|FailFast|Batch)Benchmark' "${HTTP_OPTS[@]}"
fi

step "done"
echo
timeout 60 "$JAVA" -cp "$CP" dev.weft.bench.Summary "$RESULTS" | tee "$RESULTS/summary.txt"
echo
echo "machine and load averages per step: $RESULTS/machine.txt"
