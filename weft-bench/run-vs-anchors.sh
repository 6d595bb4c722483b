#!/usr/bin/env bash
# weft measured against its anchors, side by side, in one run (issue 7; the rows and targets of issue 19).
#
#   weft-bench/run-vs-anchors.sh               full run: builds, prepares the data; prints its estimated duration
#   REPEAT=3 ANCHORS=vertx,helidon ...         issue 19's run, ~30 minutes with the build
#   REPEAT=2 weft-bench/run-vs-anchors.sh      the comparison twice (weft restarted each time); summary shows the spread
#   BUILD=0 ...                                use the jars already built
#   SMOKE=1 ...                                ~2.5 minutes: vertx only, 3 s runs, 1 startup each, no profile (the
#                                              user-key and batching-off rows included)
#   ANCHORS=vertx,fastapi-1w PGBENCH=0 ...     passed on to bench-anchors/run.sh (its knobs: WARM, DUR, CONNS, ...)
#
# What it does, in order (everything on 127.0.0.1; every load is time-limited; only PIDs started here are stopped):
#   1. builds weft-service (weft.jar) and weft-bench, and the anchors' Java servers if they are not built;
#      installs wrk/gnuplot with apt if missing; runs bench-anchors/setup.sh only if the `anchors` DB is missing
#   2. database $WEFT_DB (default weftbench): `weft migrate up`, then users 1..100000 (the anchors' rows, through
#      one INSERT ... SELECT generate_series in psql) unless they are there; users a previous POST run added are deleted;
#      every user gets a known key, wk_bench<id> (users.api_key_hash = hex SHA-256 of it, one UPDATE), unless set
#   3. startup to ready on SQLite: a fresh data dir each time; the first start has no class-data archive and
#      creates it (the way bin/weft runs), then $STARTUP_RUNS starts with it (median); the same with JDK 25's AOT
#      cache (AOT=1); one start under JFR (PROFILE=1)
#   4. per repetition: weft-service on PostgreSQL, pinned `taskset -c $SRV_CPU`, -Xmx512m, pool 8 (as the anchors);
#      bench-anchors/run.sh <anchors> first (each anchor started, measured, stopped); then weft started (startup to
#      the first 200 on GET /users/1, the anchors' definition; RSS once ready) and measured alone on its core by
#      ANCHORS=none run.sh weft=URL,PID with EXTRA_API_KEY (the admin key: the real auth path) and
#      EXTRA_PLAINTEXT_PATH=/health/live; then with weft-bench/wrk/weft.lua: GET /users/{id} with a user key (a
#      random id per request, sent with that user's own key: a user key reads only its own user; the key lookup is
#      on the path), GET /user-profile/{id} on a warm cache
#      (ids 1..$PROFILE_IDS filled first, hits checked) and /health/live back to back, POST /users (unique emails);
#      RSS after the load and again after $IDLE_WAIT s idle; then (BATCH_OFF_VARIANT=1) weft again with
#      DATABASE_KEY_BATCHING=false, alone on its core, warmed up and measured by weft.lua on GET /users/{id} with the
#      admin key (the requests bench.lua sends) and with user keys: what batching buys
#   5. more PostgreSQL cold starts until there are $STARTUP_RUNS (median)
#   6. PROFILE=1: JFR recordings of weft under the GET /users/{id} load and under /health/live (after warm-up,
#      stacks every 1 ms): the share of samples per part of the request path (auth, rate limit, logging, weft-db,
#      pgjdbc, Jackson, Helidon), per library, and the top frames with their callers (profile/hot-paths*.txt)
#   7. summary.md (ratios against the targets, spread over repetitions) and plot.png (gnuplot)
#
# Output: weft-bench/target/vs-anchors/<stamp>/ (summary.md, plot.png, rows.tsv, figures.properties, machine.txt,
# rep-N/ with run.sh's table and raw wrk logs, profile/). run.sh also leaves its results-*.md and runs/ in its folder.
#
# Knobs [defaults]: REPEAT [1]  BUILD [1]  PROFILE [1]  PLOT [1]  ANCHORS_DIR [../shared/bench-anchors]
#   WEFT_PORT [18090]  WEFT_DB [weftbench]  POOL_SIZE [8]  JAVA_OPTS [-Xmx512m]  LAUNCHER_OPTS [-Xms64m -XX:TrimNativeHeapInterval=10000, as bin/weft]  WARM [20]  DUR [15]  CONNS [64]
#   PROFILE_IDS [5000]  STARTUP_RUNS [3]  IDLE_WAIT [10]  WRK_CPU/SRV_CPU [0/1]
#   WEFT_ACCESS_LOG [OFF, the service default]; INFO writes one JSON line per request to stderr (kept in a file)
#   STARTUP_CACHE [as bin/weft: aot if it uses -XX:AOTCache, else cds]: how the PostgreSQL instances start
#   TRAIN_LOAD [20]: seconds of wrk load (admin and user-key /users/{id}, cached profile, /health/live) in the training
#     run of that AOT cache, after its 200 single requests; 0 = the single requests only (before the twenty-third session)
#   AOT [1]: also time SQLite startups with JDK 25's AOT cache (-XX:AOTCacheOutput training run, then -XX:AOTCache)
#   BATCH_OFF_VARIANT [1]: after weft, also measure weft with DATABASE_KEY_BATCHING=false (target weft-batching-off;
#     0 = skip). Until weft-db reads that variable, the variant runs the same code as weft.
#   ACCESS_LOG_VARIANT [0]: after weft, also measure weft with WEFT_ACCESS_LOG=INFO by the same run.sh code, as the
#     target weft-access-log (a diagnostic of what the access log costs). Off by default since issue 19: its ~75 s
#     per repetition would take a REPEAT=3 run past 30 minutes, and the access log is off in the shipped service.
#   USER_KEY_PREFIX [wk_bench]: user <id>'s key is this prefix + id (must start with wk_)
# Needs: PostgreSQL on 127.0.0.1:5432 (trust, user postgres), a JDK 25 (bin/jdk25), curl, taskset, psql, pgbench.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
JAVA_HOME=$(bin/jdk25) || exit 1
export JAVA_HOME
JAVA="$JAVA_HOME/bin/java"
JFR="$JAVA_HOME/bin/jfr"

SMOKE=${SMOKE:-0}
if [ "$SMOKE" = 1 ]; then
  : "${ANCHORS:=vertx}" "${PGBENCH:=0}" "${WARM:=2}" "${DUR:=3}" "${STARTUP_RUNS:=1}" "${PROFILE:=0}" "${IDLE_WAIT:=2}"
  : "${AOT:=0}" "${TRAIN_LOAD:=4}"
fi
REPEAT=${REPEAT:-1}
BUILD=${BUILD:-1}
PROFILE=${PROFILE:-1}
PLOT=${PLOT:-1}
if [ -z "${ANCHORS_DIR:-}" ]; then  # beside the repository (/work/shared next to /work/main), else the usual place
  ANCHORS_DIR=$ROOT/../shared/bench-anchors; [ -d "$ANCHORS_DIR" ] || ANCHORS_DIR=/work/shared/bench-anchors
fi
ANCHORS_DIR=$(cd "$ANCHORS_DIR" && pwd) || { echo "bench-anchors not found: set ANCHORS_DIR" >&2; exit 1; }
WEFT_PORT=${WEFT_PORT:-18090}
WEFT_DB=${WEFT_DB:-weftbench}
POOL_SIZE=${POOL_SIZE:-8}
JAVA_OPTS=${JAVA_OPTS:--Xmx512m}
# the JVM flags bin/weft itself adds (its initial heap), so weft runs here as it ships; JAVA_OPTS comes after them
LAUNCHER_OPTS=${LAUNCHER_OPTS:--Xms64m -XX:TrimNativeHeapInterval=10000}
WARM=${WARM:-20}
DUR=${DUR:-15}
CONNS=${CONNS:-64}
PROFILE_IDS=${PROFILE_IDS:-5000}
STARTUP_RUNS=${STARTUP_RUNS:-3}
IDLE_WAIT=${IDLE_WAIT:-10}
TRAIN_LOAD=${TRAIN_LOAD:-20}
[[ "$TRAIN_LOAD" =~ ^[0-9]+$ ]] || { echo "TRAIN_LOAD must be whole seconds" >&2; exit 1; }
WRK_CPU=${WRK_CPU:-0}
SRV_CPU=${SRV_CPU:-1}
WEFT_ACCESS_LOG=${WEFT_ACCESS_LOG:-OFF}
ACCESS_LOG_VARIANT=${ACCESS_LOG_VARIANT:-0}
BATCH_OFF_VARIANT=${BATCH_OFF_VARIANT:-1}
USER_KEY_PREFIX=${USER_KEY_PREFIX:-wk_bench}
# the prefix goes into SQL as a literal below: only a checked shape is accepted
[[ "$USER_KEY_PREFIX" =~ ^wk_[A-Za-z0-9_-]*$ ]] || { echo "USER_KEY_PREFIX must be wk_ and [A-Za-z0-9_-]" >&2; exit 1; }
AOT=${AOT:-1}
# how bin/weft starts the JVM: from JDK 25's AOT cache, or with a dynamic class-data archive (AppCDS)
if [ -z "${STARTUP_CACHE:-}" ]; then
  STARTUP_CACHE=cds; grep -q 'AOTCache' "$ROOT/bin/weft" 2>/dev/null && STARTUP_CACHE=aot
fi
[ "$STARTUP_CACHE" = aot ] && AOT=1
USERS=100000
ADMIN_KEY=wa_weftbench_admin_key_for_loopback_only
export ANCHORS PGBENCH WARM DUR CONNS STARTUP_RUNS JAVA_OPTS WRK_CPU SRV_CPU 2>/dev/null

export PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres PGCONNECT_TIMEOUT=5 PGOPTIONS='-c client_min_messages=warning'
PG_URL="postgresql://postgres@127.0.0.1:5432/$WEFT_DB"
BASE="http://127.0.0.1:$WEFT_PORT"
JAR="$ROOT/weft-service/target/weft.jar"
LUA="$ROOT/weft-bench/wrk/weft.lua"
CP="$ROOT/weft-bench/target/classes:$ROOT/weft-bench/target/lib/*"
STAMP=$(date -u +%Y%m%d-%H%M%S)
OUT="$ROOT/weft-bench/target/vs-anchors/$STAMP"
ARCHIVE="$ROOT/weft-bench/target/vs-anchors/weft.jsa"   # class-data archive, as bin/weft makes one
mkdir -p "$OUT"
ROWS="$OUT/rows.tsv"        # rep target endpoint rps p50_ms p99_ms errors rss_mb source
FIGS="$OUT/figures.properties"
printf 'rep\ttarget\tendpoint\trps\tp50_ms\tp99_ms\terrors\trss_mb\tsource\n' >"$ROWS"
: >"$FIGS"

log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$OUT/log.txt" >&2; }
fig() { echo "$1=$2" >>"$FIGS"; }
quiet_check() {  # load average and other Maven builds, noted at each step
  echo "$(date -u +%H:%M:%S) $1: load average $(cut -d' ' -f1-3 /proc/loadavg); other Maven builds: $(pgrep -fc plexus-classworlds || true)" \
    >>"$OUT/machine.txt"
}
sql() { timeout 300 psql -X -v ON_ERROR_STOP=1 -Atq -d "$1" -c "$2"; }

STARTED=()
cleanup() {
  local p
  for p in "${STARTED[@]:-}"; do
    [ -n "$p" ] && kill -0 "$p" 2>/dev/null && { kill -TERM "$p" 2>/dev/null; sleep 3; kill -KILL "$p" 2>/dev/null; }
  done
}
trap cleanup EXIT
trap 'echo interrupted >&2; exit 130' INT TERM

rss_mb() { awk '/^VmRSS:/{printf "%.0f", $2/1024}' "/proc/$1/status" 2>/dev/null || echo n/a; }

# ---- estimated duration --------------------------------------------------------------------------------------
# seconds, from the loads' lengths plus overheads (a JVM start and stop ~4-5 s, pgbench ~12 s, a build from a fresh
# worktree ~150 s, JFR analysis ~60 s). Errs long: it gives 37 min for the 2026-12-02 run that took 34 (REPEAT=3,
# four anchors, access-log variant, BUILD=0), and 5 min for a SMOKE=1 run that takes 2.5; a busy machine adds more.
estimate_s() {
  local anchors n_anchors per_anchor per_rep fixed
  anchors=${ANCHORS:-fastapi-1w,fastapi-2w,vertx,helidon,javalin}
  [ "$anchors" = none ] && n_anchors=0 || n_anchors=$(tr ',' '\n' <<<"$anchors" | grep -c .)
  per_anchor=$(( STARTUP_RUNS * 5 + 2 * WARM + 2 * DUR + 5 ))
  per_rep=$(( n_anchors * per_anchor ))
  [ "$n_anchors" -gt 0 ] && [ "${PGBENCH:-1}" = 1 ] && per_rep=$(( per_rep + 12 ))
  # weft: start, run.sh (2 routes), user key, profile fill + run, /health/live, POST, idle pause, stop
  per_rep=$(( per_rep + 10 + 2 * (WARM + DUR) + (WARM + DUR) + PROFILE_IDS / 1000 + 3 + 3 * (WARM + DUR) + IDLE_WAIT ))
  [ "$BATCH_OFF_VARIANT" = 1 ] && per_rep=$(( per_rep + 10 + 2 * (WARM + DUR) ))
  [ "$ACCESS_LOG_VARIANT" = 1 ] && per_rep=$(( per_rep + 10 + 2 * (WARM + DUR) ))
  fixed=$(( 30 + (STARTUP_RUNS + 1) * 5 ))
  [ "$BUILD" != 0 ] && fixed=$(( fixed + 150 ))
  [ "$AOT" = 1 ] && fixed=$(( fixed + 15 + STARTUP_RUNS * 5 ))
  [ "$STARTUP_CACHE" = aot ] && fixed=$(( fixed + 15 + TRAIN_LOAD ))
  [ "$STARTUP_RUNS" -gt "$REPEAT" ] && fixed=$(( fixed + (STARTUP_RUNS - REPEAT) * 5 ))
  [ "$PROFILE" = 1 ] && fixed=$(( fixed + 30 + 10 + 2 * (WARM + DUR) + 60 ))
  echo $(( fixed + REPEAT * per_rep ))
}
EST_S=$(estimate_s)
log "estimated duration: ~$(( (EST_S + 30) / 60 )) min ($EST_S s; REPEAT=$REPEAT ANCHORS=${ANCHORS:-<all>} WARM=$WARM DUR=$DUR BATCH_OFF_VARIANT=$BATCH_OFF_VARIANT ACCESS_LOG_VARIANT=$ACCESS_LOG_VARIANT)"

# ---- 1. build and tools --------------------------------------------------------------------------------------
if [ "$BUILD" != 0 ]; then
  log "build: ./mvnw -q package -DskipTests -pl weft-service,weft-bench -am"
  timeout 1200 ./mvnw -B -q -ntp package -DskipTests -pl weft-service,weft-bench -am || { log "build failed"; exit 1; }
fi
[ -f "$JAR" ] && [ -d weft-bench/target/lib ] || { log "weft.jar or weft-bench is not built: run without BUILD=0"; exit 1; }
need=()
command -v wrk >/dev/null || need+=(wrk)
[ "$PLOT" = 1 ] && ! command -v gnuplot >/dev/null && need+=(gnuplot-nox)
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"; } >>"$OUT/log.txt" 2>&1 \
    || { log "could not install ${need[*]}"; exit 1; }
fi
if ! sql postgres 'SELECT 1' >/dev/null 2>&1; then log "PostgreSQL does not answer on 127.0.0.1:5432"; exit 1; fi
if [ "$(sql postgres "SELECT count(*) FROM pg_database WHERE datname = 'anchors'")" != 1 ] \
   || [ "$(sql anchors 'SELECT count(*) FROM users' 2>/dev/null)" != "$USERS" ]; then
  log "anchors database missing: running bench-anchors/setup.sh"
  (cd "$ANCHORS_DIR" && timeout 900 ./setup.sh) >>"$OUT/log.txt" 2>&1 || { log "setup.sh failed"; exit 1; }
fi
for a in vertx helidon javalin; do
  if [ ! -d "$ANCHORS_DIR/java/$a/target/lib" ]; then
    log "building the anchors' Java servers (mvn package in bench-anchors/java)"
    (cd "$ANCHORS_DIR/java" && PATH="$JAVA_HOME/bin:$PATH" timeout 900 "$ROOT/mvnw" -B -q -ntp package) \
      >>"$OUT/log.txt" 2>&1 || { log "anchor build failed"; exit 1; }
    break
  fi
done

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  # WEFT_COMMIT names the commit when this runs in a copy without .git
  echo "commit: ${WEFT_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git status --porcelain -- weft-core weft-db weft-cache weft-http weft-service 2>/dev/null | grep -q . && echo ' + uncommitted changes')}"
  echo "host: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
  echo "java: $("$JAVA" -version 2>&1 | sed -n 2p)"
  echo "postgresql: $(sql postgres 'SHOW server_version')"
  echo "settings: REPEAT=$REPEAT ANCHORS=${ANCHORS:-default} WARM=$WARM DUR=$DUR CONNS=$CONNS POOL_SIZE=$POOL_SIZE JAVA_OPTS=$JAVA_OPTS LAUNCHER_OPTS=$LAUNCHER_OPTS PROFILE_IDS=$PROFILE_IDS STARTUP_RUNS=$STARTUP_RUNS WEFT_ACCESS_LOG=$WEFT_ACCESS_LOG STARTUP_CACHE=$STARTUP_CACHE TRAIN_LOAD=$TRAIN_LOAD BATCH_OFF_VARIANT=$BATCH_OFF_VARIANT ACCESS_LOG_VARIANT=$ACCESS_LOG_VARIANT SMOKE=$SMOKE"
  echo "pinning: server on CPU $SRV_CPU, wrk on CPU $WRK_CPU (taskset); PostgreSQL unpinned"
} >"$OUT/machine.txt"
quiet_check start
fig settings "WARM=$WARM DUR=$DUR CONNS=$CONNS POOL_SIZE=$POOL_SIZE JAVA_OPTS=$JAVA_OPTS LAUNCHER_OPTS=$LAUNCHER_OPTS WEFT_ACCESS_LOG=$WEFT_ACCESS_LOG"

# ---- 2. weft's database ---------------------------------------------------------------------------------------
log "database $WEFT_DB: schema and $USERS users"
[ "$(sql postgres "SELECT count(*) FROM pg_database WHERE datname = '$WEFT_DB'")" = 1 ] || sql postgres "CREATE DATABASE $WEFT_DB"
DATABASE_URL=$PG_URL timeout 120 "$JAVA" -jar "$JAR" migrate up >"$OUT/migrate.log" 2>&1 \
  || { log "weft migrate up failed: see $OUT/migrate.log"; exit 1; }
if [ "$(sql "$WEFT_DB" "SELECT count(*) FROM users WHERE id <= $USERS AND email = 'user' || id || '@example.com'")" != "$USERS" ]; then
  sql "$WEFT_DB" "TRUNCATE users RESTART IDENTITY CASCADE"
  # the anchors' rows (bench-anchors/setup.sh), in weft's schema: username, full_name and updated_at added
  sql "$WEFT_DB" "INSERT INTO users (id, email, username, full_name, credits, created_at, updated_at)
    SELECT g, 'user' || g || '@example.com', 'user' || g, 'User ' || g, (g * 37) % 10000,
           timestamptz '2024-01-01 00:00:00+00' + (g || ' seconds')::interval,
           timestamptz '2024-01-01 00:00:00+00' + (g || ' seconds')::interval
    FROM generate_series(1, $USERS) g" >/dev/null
else
  sql "$WEFT_DB" "DELETE FROM users WHERE id > $USERS" >/dev/null
fi
sql "$WEFT_DB" "SELECT setval('users_id_seq', $USERS)" >/dev/null
# user keys for the user-key rows: user <id> holds USER_KEY_PREFIX<id> (the service stores a key's hex SHA-256)
KEY_HASH="encode(sha256(convert_to('$USER_KEY_PREFIX' || id, 'UTF8')), 'hex')"
if [ "$(sql "$WEFT_DB" "SELECT count(*) FROM users WHERE id <= $USERS AND is_active AND api_key_hash = $KEY_HASH")" != "$USERS" ]; then
  sql "$WEFT_DB" "UPDATE users SET api_key_hash = $KEY_HASH, is_active = true WHERE id <= $USERS" >/dev/null
fi
sql "$WEFT_DB" "VACUUM ANALYZE users"
log "users (count|min id|max id): $(sql "$WEFT_DB" 'SELECT count(*), min(id), max(id) FROM users')"

# ---- helpers: start weft, wait for a 200 ----------------------------------------------------------------------
wait_200() {  # url t0_ns [key] -> ms since t0, or "timeout"
  local url=$1 t0=$2 key=${3:-} deadline=$(( $(date +%s) + 120 )) code
  while [ "$(date +%s)" -lt "$deadline" ]; do
    code=$(curl -s -o /dev/null -m 1 -w '%{http_code}' ${key:+-H "X-API-Key: $key"} "$url" 2>/dev/null)
    [ "$code" = 200 ] && { echo $(( ($(date +%s%N) - t0) / 1000000 )); return 0; }
    kill -0 "$WEFT_PID" 2>/dev/null || { echo timeout; return 1; }
    sleep 0.01
  done
  echo timeout; return 1
}
start_weft() {  # start_weft <pg|sqlite> <log file> [extra JVM option ...]; sets WEFT_PID and STARTUP_MS
  # W_PORT and W_ACCESS_LOG, when set, override WEFT_PORT and WEFT_ACCESS_LOG for this instance
  local kind=$1 logf=$2; shift 2
  local port=${W_PORT:-$WEFT_PORT} base="http://127.0.0.1:${W_PORT:-$WEFT_PORT}"
  local envs=(-u DATABASE_URL -u REDIS_URL -u PROVIDER_URL WEFT_ADMIN_KEY="$ADMIN_KEY" WEFT_PORT="$port"
    WEFT_BIND=127.0.0.1 WEFT_RATE_LIMIT=100000000 WEFT_ACCESS_LOG="${W_ACCESS_LOG:-$WEFT_ACCESS_LOG}")
  # W_BATCHING=false starts the batching-off variant; unset leaves the service's default (and any inherited value)
  [ -n "${W_BATCHING:-}" ] && envs+=(DATABASE_KEY_BATCHING="$W_BATCHING")
  if [ "$kind" = pg ]; then
    envs+=(DATABASE_URL="$PG_URL" DATABASE_POOL_SIZE="$POOL_SIZE" WEFT_DATA_DIR="$OUT/data-pg-$port")
  else
    rm -rf "$OUT/data-sqlite"; envs+=(WEFT_DATA_DIR="$OUT/data-sqlite")
  fi
  if curl -s -o /dev/null -m 1 "$base/health/live"; then log "port $port is in use"; return 1; fi
  local t0; t0=$(date +%s%N)
  # the class-data archive or AOT cache as bin/weft uses it (PG_CACHE for PostgreSQL when STARTUP_CACHE=aot);
  # W_CDS=0 leaves it out (the AOT training and AOT runs bring their own)
  local cds=(-XX:+AutoCreateSharedArchive -XX:SharedArchiveFile="$ARCHIVE")
  [ "$kind" = pg ] && [ -n "$PG_CACHE" ] && cds=(-XX:AOTCache="$PG_CACHE")
  [ "${W_CDS:-1}" = 0 ] && cds=()
  # shellcheck disable=SC2086
  env "${envs[@]}" taskset -c "$SRV_CPU" "$JAVA" $LAUNCHER_OPTS "${cds[@]}" $JAVA_OPTS "$@" -jar "$JAR" serve >"$logf" 2>&1 &
  WEFT_PID=$!
  STARTED+=("$WEFT_PID")
  if [ "$kind" = pg ]; then
    STARTUP_MS=$(wait_200 "$base/users/1" "$t0" "$ADMIN_KEY")
  else
    STARTUP_MS=$(wait_200 "$base/health/ready" "$t0")
  fi
  if [ "$STARTUP_MS" = timeout ]; then log "weft ($kind) did not become ready: see $logf"; stop_weft; return 1; fi
  log "weft ($kind) ready in $STARTUP_MS ms (pid $WEFT_PID)"
}
stop_weft() {  # stop_weft [pid [seconds]]: TERM, up to 15 s (or seconds), then KILL; default the last started
  local i pid=${1:-$WEFT_PID} wait_s=${2:-15}
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 1 $((wait_s * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}
shrink_log() {  # keeps a server log's non-access lines and counts the access lines (they are ~400 bytes each)
  local f=$1
  [ -f "$f" ] || return 0
  echo "access log lines: $(grep -c '"dev.weft.service.access"' "$f")" >"$f.kept"
  grep -v '"dev.weft.service.access"' "$f" >>"$f.kept"
  mv "$f.kept" "$f"
}
median() { sort -n | awk '{a[NR]=$1} END{if (NR) print a[int((NR+1)/2)]}'; }

wrk_run() {  # wrk_run <logfile> <seconds> <env ...> -> RESULT line
  local logf=$1 secs=$2; shift 2
  env "$@" timeout $((secs + 30)) taskset -c "$WRK_CPU" wrk -t1 -c"$CONNS" -d"${secs}s" --timeout 5s -s "$LUA" "$BASE" \
    >"$logf" 2>&1
  grep '^RESULT' "$logf" || echo "RESULT failed"
}
field() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1==k{print $2}'; }
add_row() {  # rep target endpoint RESULT-line rss source
  local r=$4 errs
  errs=$(echo "$r" | tr ' ' '\n' | awk -F= '$1~/^(non2xx|connect|read|write|timeout)$/{s+=$2; n++} END{print n ? s : "?"}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$(field "$r" rps)" \
    "$(awk -v u="$(field "$r" p50_us)" 'BEGIN{printf "%.2f", u/1000}')" \
    "$(awk -v u="$(field "$r" p99_us)" 'BEGIN{printf "%.2f", u/1000}')" "$errs" "$5" "$6" >>"$ROWS"
}

USERS_ROUTE="/users/{id}"
USER_KEY_ROUTE="/users/{id} (user key)"
measure_users() {  # measure_users <rep> <target> <file tag> admin|user-key: warm-up, then the measured run, as a row
  local rep=$1 target=$2 tag=$3 kind=$4 r
  local args=(MODE=random MAX_ID="$USERS" PATH_PREFIX=/users/ API_KEY="$ADMIN_KEY") endpoint=$USERS_ROUTE
  if [ "$kind" = user-key ]; then
    args=(MODE=user-key MAX_ID="$USERS" PATH_PREFIX=/users/ KEY_PREFIX="$USER_KEY_PREFIX"); endpoint=$USER_KEY_ROUTE
  fi
  log "rep $rep: $target GET /users/{id} ($kind) ${WARM}s warm-up, ${DUR}s measured"
  wrk_run "$REP/$tag-warm.txt" "$WARM" "${args[@]}" >/dev/null
  r=$(wrk_run "$REP/$tag.txt" "$DUR" "${args[@]}")
  add_row "$rep" "$target" "$endpoint" "$r" "$(rss_mb "$WEFT_PID")" weft.lua
  log "rep $rep: $target $endpoint: $r"
}

# ---- 3. startup on SQLite -------------------------------------------------------------------------------------
quiet_check "startup sqlite"
rm -f "$ARCHIVE"
if start_weft sqlite "$OUT/startup-sqlite-0.log"; then
  fig startup.sqlite.no_archive_ms "$STARTUP_MS"
  stop_weft; shrink_log "$OUT/startup-sqlite-0.log"
fi
[ -f "$ARCHIVE" ] && fig archive_mb "$(du -m "$ARCHIVE" | cut -f1)"
samples=()
for i in $(seq 1 "$STARTUP_RUNS"); do
  if start_weft sqlite "$OUT/startup-sqlite-$i.log"; then
    samples+=("$STARTUP_MS")
    sleep 2; fig "rss.sqlite.ready_mb.$i" "$(rss_mb "$WEFT_PID")"
    stop_weft; shrink_log "$OUT/startup-sqlite-$i.log"
  fi
done
fig startup.sqlite.samples_ms "${samples[*]:-}"
fig startup.sqlite.median_ms "$(printf '%s\n' "${samples[@]:-}" | median)"

if [ "$AOT" = 1 ]; then
  # diagnostic: JDK 25's AOT cache (JEP 483/514/515) instead of the dynamic archive; a training run writes it at exit
  AOT_FILE="$ROOT/weft-bench/target/vs-anchors/weft.aot"
  rm -f "$AOT_FILE"
  if W_CDS=0 start_weft sqlite "$OUT/startup-aot-training.log" -XX:AOTCacheOutput="$AOT_FILE"; then
    for i in $(seq 1 200); do curl -s -o /dev/null -m 2 "$BASE/health/live"; curl -s -o /dev/null -m 2 "$BASE/health/ready"; done
    stop_weft "$WEFT_PID" 120; shrink_log "$OUT/startup-aot-training.log"
  fi
  if [ -s "$AOT_FILE" ]; then
    fig aot_mb "$(du -m "$AOT_FILE" | cut -f1)"
    samples=()
    for i in $(seq 1 "$STARTUP_RUNS"); do
      if W_CDS=0 start_weft sqlite "$OUT/startup-aot-$i.log" -XX:AOTCache="$AOT_FILE"; then
        samples+=("$STARTUP_MS")
        sleep 2; fig "rss.sqlite.aot_ready_mb.$i" "$(rss_mb "$WEFT_PID")"
        stop_weft; shrink_log "$OUT/startup-aot-$i.log"
      fi
    done
    fig startup.sqlite.aot.samples_ms "${samples[*]:-}"
    fig startup.sqlite.aot.median_ms "$(printf '%s\n' "${samples[@]:-}" | median)"
  fi
fi

if [ "$PROFILE" = 1 ]; then
  # where startup goes: a JFR recording from launch to ready (JFR itself adds a few hundred ms)
  mkdir -p "$OUT/profile"
  if start_weft sqlite "$OUT/profile/startup-server.log" \
      "-XX:StartFlightRecording=filename=$OUT/profile/weft-startup.jfr,settings=profile,method-profiling=max" \
      -XX:FlightRecorderOptions:stackdepth=256; then
    fig startup.sqlite.under_jfr_ms "$STARTUP_MS"
    stop_weft; shrink_log "$OUT/profile/startup-server.log"
    [ -s "$OUT/profile/weft-startup.jfr" ] && timeout 300 "$JAVA" -cp "$CP" dev.weft.bench.JfrHotPaths \
      "$OUT/profile/weft-startup.jfr" 30 >"$OUT/profile/hot-paths-startup.txt" 2>&1
  fi
fi

# ---- 4. the comparison, REPEAT times --------------------------------------------------------------------------
PG_STARTS=()
PG_CACHE=""
if [ "$STARTUP_CACHE" = aot ]; then
  # bin/weft runs from an AOT cache: record one on PostgreSQL (a training run, written at its exit) for the PG starts
  PG_AOT="$ROOT/weft-bench/target/vs-anchors/weft-pg.aot"
  rm -f "$PG_AOT"
  if W_CDS=0 start_weft pg "$OUT/startup-pg-aot-training.log" -XX:AOTCacheOutput="$PG_AOT"; then
    for i in $(seq 1 200); do
      curl -s -o /dev/null -m 2 -H "X-API-Key: $ADMIN_KEY" "$BASE/users/$i"; curl -s -o /dev/null -m 2 "$BASE/health/live"
    done
    if [ "$TRAIN_LOAD" -gt 0 ]; then
      # the routes under load, as a cache bin/weft records from a serving run holds them: JDK 25 keeps the training
      # run's method profiles in the cache (JEP 515): with profiles of a load weft served 13-18k req/s in its second
      # 10 s on one core, with those of the single requests 9-14k (BENCHMARKS.md, "Warm-up and the training run")
      t=$(( (TRAIN_LOAD + 3) / 4 ))
      wrk_run "$OUT/aot-training-users.txt" "$t" MODE=random PATH_PREFIX=/users/ API_KEY="$ADMIN_KEY" >/dev/null
      wrk_run "$OUT/aot-training-user-key.txt" "$t" MODE=user-key PATH_PREFIX=/users/ KEY_PREFIX="$USER_KEY_PREFIX" >/dev/null
      wrk_run "$OUT/aot-training-profile.txt" "$t" MODE=random MAX_ID="$PROFILE_IDS" PATH_PREFIX=/user-profile/ API_KEY="$ADMIN_KEY" >/dev/null
      wrk_run "$OUT/aot-training-live.txt" "$t" MODE=fixed ROUTE=/health/live >/dev/null
    fi
    stop_weft "$WEFT_PID" 120; shrink_log "$OUT/startup-pg-aot-training.log"
  fi
  [ -s "$PG_AOT" ] && PG_CACHE=$PG_AOT
fi
if [ -n "$PG_CACHE" ]; then fig startup.pg.cache "AOT cache, trained on PostgreSQL"
else fig startup.pg.cache "dynamic class-data archive"; fi
run_anchors_sh() {  # run_anchors_sh <tag> [target ...]: one bench-anchors/run.sh call, its table kept as $REP/run-<tag>.md
  local tag=$1; shift
  EXTRA_API_KEY=$ADMIN_KEY EXTRA_PLAINTEXT_PATH=/health/live EXTRA_USERS_PATH=/users/ \
    timeout 3600 "$ANCHORS_DIR/run.sh" "$@" >"$REP/run-$tag.md" 2>"$REP/run-$tag.log"
  cat "$REP/run-$tag.md" >>"$REP/run.md"
  local results; results=$(grep -o 'results-[0-9-]*\.md' "$REP/run-$tag.log" | tail -1)
  if [ -n "$results" ]; then
    cp -r "$ANCHORS_DIR/runs/${results:8:15}" "$REP/raw-$tag" 2>/dev/null
    fig "anchors_results.$rep.$tag" "$results"
  fi
}

for rep in $(seq 1 "$REPEAT"); do
  REP="$OUT/rep-$rep"; mkdir -p "$REP"; : >"$REP/run.md"
  quiet_check "rep $rep"
  # The anchors first: run.sh starts each one, measures it and stops it, so each has the server core to itself.
  if [ "${ANCHORS:-}" != none ]; then
    log "rep $rep: bench-anchors/run.sh ${ANCHORS:-<all anchors>}"
    run_anchors_sh anchors
  fi
  # weft the same way: started just before its turn and alone on its core (an idle second JVM beside it, or weft
  # idling through the anchors' loads, are conditions no anchor had), then measured by the same run.sh code.
  start_weft pg "$REP/weft-server.log" || exit 1
  PG_STARTS+=("$STARTUP_MS")
  fig "startup.weft.$rep" "$STARTUP_MS"   # this repetition's start, next to the anchors' starts of the same run.sh call
  sleep 2
  fig "rss.pg.ready_mb.$rep" "$(rss_mb "$WEFT_PID")"
  log "rep $rep: bench-anchors/run.sh weft=$BASE,$WEFT_PID"
  ANCHORS=none PGBENCH=0 run_anchors_sh weft "weft=$BASE,$WEFT_PID"
  # run-anchors.md is missing when ANCHORS=none; /dev/null keeps awk off stdin when neither table was written
  tables=()
  for f in "$REP/run-anchors.md" "$REP/run-weft.md"; do [ -f "$f" ] && tables+=("$f"); done
  awk -F'|' -v rep="$rep" 'NF >= 9 && $2 !~ /target|---/ {
      for (i = 2; i <= 9; i++) gsub(/^ +| +$/, "", $i)
      if ($4 ~ /^[0-9.]+$/) printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\trun.sh\n", rep, $2, $3, $4, $5, $6, $7, $9
    }' "${tables[@]}" /dev/null >>"$ROWS"
  awk -F'|' -v rep="$rep" 'NF >= 9 && $2 !~ /target|---/ {
      for (i = 2; i <= 9; i++) gsub(/^ +| +$/, "", $i)
      if ($3 == "/users/{id}" && $8 ~ /^[0-9]/) { split($8, s, " "); printf "startup.%s.%s=%s\n", $2, rep, s[1] }
    }' "$REP/run.md" >>"$FIGS"
  tps=$(awk -F'|' '/^\| *[0-9.]+ *\| *[0-9.]+ *\|$/{gsub(/ /, "", $2); print $2; exit}' "$REP/run.md")
  fig "pgbench_tps.$rep" "${tps:-n/a}"
  if ! kill -0 "$WEFT_PID" 2>/dev/null; then
    log "rep $rep: weft stopped during run.sh (see $REP/weft-server.log); skipping its extra measurements"
    stop_weft; sql "$WEFT_DB" "DELETE FROM users WHERE id > $USERS" >/dev/null
    continue
  fi
  quiet_check "rep $rep extras"

  # GET /users/{id} as a client does it: each request with its own user's key (the key lookup on the path)
  code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' -H "X-API-Key: ${USER_KEY_PREFIX}1" "$BASE/users/1")
  [ "$code" = 200 ] || log "rep $rep: GET /users/1 with user 1's key answered $code, not 200 (the row will show errors)"
  measure_users "$rep" weft user-key user-key

  # GET /user-profile/{id}: fill ids 1..PROFILE_IDS (each visited at least once), then random ids among them
  log "rep $rep: /user-profile fill, then warm-cache hit vs /health/live"
  fill_secs=$(( PROFILE_IDS / 1000 + 3 ))
  wrk_run "$REP/profile-fill.txt" "$fill_secs" MODE=fill MAX_ID="$PROFILE_IDS" PATH_PREFIX=/user-profile/ API_KEY="$ADMIN_KEY" >/dev/null
  wrk_run "$REP/profile-warm.txt" "$WARM" MODE=random MAX_ID="$PROFILE_IDS" PATH_PREFIX=/user-profile/ API_KEY="$ADMIN_KEY" >/dev/null
  r=$(wrk_run "$REP/profile.txt" "$DUR" MODE=random MAX_ID="$PROFILE_IDS" PATH_PREFIX=/user-profile/ API_KEY="$ADMIN_KEY")
  add_row "$rep" weft "/user-profile/{id} (cache hit)" "$r" "$(rss_mb "$WEFT_PID")" weft.lua
  hits=0
  for i in $(seq 1 50); do
    id=$(( (RANDOM * 32768 + RANDOM) % PROFILE_IDS + 1 ))
    curl -s -D - -o /dev/null -m 2 -H "X-API-Key: $ADMIN_KEY" "$BASE/user-profile/$id" | grep -qi '^x-cache: hit' && hits=$((hits + 1))
  done
  fig "profile.sampled_hits.$rep" "$hits/50"
  wrk_run "$REP/live-warm.txt" "$WARM" MODE=fixed ROUTE=/health/live >/dev/null
  r=$(wrk_run "$REP/live.txt" "$DUR" MODE=fixed ROUTE=/health/live)
  add_row "$rep" weft "/health/live (next to the profile run)" "$r" "$(rss_mb "$WEFT_PID")" weft.lua

  log "rep $rep: POST /users"
  wrk_run "$REP/create-warm.txt" "$WARM" MODE=create RUN_TAG="${STAMP//-/}w$rep" API_KEY="$ADMIN_KEY" >/dev/null
  r=$(wrk_run "$REP/create.txt" "$DUR" MODE=create RUN_TAG="${STAMP//-/}m$rep" API_KEY="$ADMIN_KEY")
  add_row "$rep" weft "POST /users" "$r" "$(rss_mb "$WEFT_PID")" weft.lua
  fig "rss.pg.after_load_mb.$rep" "$(rss_mb "$WEFT_PID")"
  sleep "$IDLE_WAIT"
  fig "rss.pg.idle_after_load_mb.$rep" "$(rss_mb "$WEFT_PID")"
  stop_weft; shrink_log "$REP/weft-server.log"
  sql "$WEFT_DB" "DELETE FROM users WHERE id > $USERS" >/dev/null

  if [ "$BATCH_OFF_VARIANT" = 1 ]; then
    # what batching buys: the same service with weft-db's key batching switched off, alone on its core
    if W_BATCHING=false start_weft pg "$REP/weft-batching-off-server.log"; then
      fig "startup.batchoff.$rep" "$STARTUP_MS"
      sleep 2
      measure_users "$rep" weft-batching-off batching-off-users admin
      measure_users "$rep" weft-batching-off batching-off-user-key user-key
      fig "rss.batchoff.after_load_mb.$rep" "$(rss_mb "$WEFT_PID")"
      stop_weft; shrink_log "$REP/weft-batching-off-server.log"
    fi
  fi

  if [ "$ACCESS_LOG_VARIANT" = 1 ] && [ "$WEFT_ACCESS_LOG" = OFF ]; then
    # diagnostic: the same service with its per-request access log line on, measured alone the same way
    if W_ACCESS_LOG=INFO start_weft pg "$REP/weft-access-log-server.log"; then
      log "rep $rep: bench-anchors/run.sh weft-access-log=$BASE,$WEFT_PID"
      ANCHORS=none PGBENCH=0 run_anchors_sh access-log "weft-access-log=$BASE,$WEFT_PID"
      awk -F'|' -v rep="$rep" 'NF >= 9 && $2 !~ /target|---/ {
          for (i = 2; i <= 9; i++) gsub(/^ +| +$/, "", $i)
          if ($4 ~ /^[0-9.]+$/) printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\trun.sh\n", rep, $2, $3, $4, $5, $6, $7, $9
        }' "$REP/run-access-log.md" >>"$ROWS"
      fig "rss.accesslog.after_load_mb.$rep" "$(rss_mb "$WEFT_PID")"
      stop_weft; shrink_log "$REP/weft-access-log-server.log"
    fi
  fi
done

# ---- 5. more PostgreSQL cold starts ---------------------------------------------------------------------------
quiet_check "startup pg"
while [ "${#PG_STARTS[@]}" -lt "$STARTUP_RUNS" ]; do
  start_weft pg "$OUT/startup-pg-${#PG_STARTS[@]}.log" || break
  PG_STARTS+=("$STARTUP_MS"); stop_weft; shrink_log "$OUT/startup-pg-$(( ${#PG_STARTS[@]} - 1 )).log"
done
fig startup.pg.samples_ms "${PG_STARTS[*]:-}"
fig startup.pg.median_ms "$(printf '%s\n' "${PG_STARTS[@]:-}" | median)"

# ---- 6. JFR profile under the GET /users/{id} load ------------------------------------------------------------
if [ "$PROFILE" = 1 ]; then
  quiet_check profile
  mkdir -p "$OUT/profile"
  JFR_FILE="$OUT/profile/weft-users.jfr"
  # deep stacks (Helidon + weft + pgjdbc) exceed JFR's default 64 frames, which would cut off the handler's frames
  if start_weft pg "$OUT/profile/weft-server.log" -XX:FlightRecorderOptions:stackdepth=256; then
    # the recording covers the measured load only, not startup or warm-up (JIT); Java stacks sampled every 1 ms
    log "profile: GET /users/{id} ${WARM}s warm-up, then ${DUR}s under JFR (settings=profile)"
    wrk_run "$OUT/profile/warm.txt" "$WARM" MODE=random MAX_ID="$USERS" PATH_PREFIX=/users/ API_KEY="$ADMIN_KEY" >/dev/null
    timeout 60 "$JAVA_HOME/bin/jcmd" "$WEFT_PID" JFR.start name=vs-anchors settings=profile \
      method-profiling=max >"$OUT/profile/jcmd.txt" 2>&1
    r=$(wrk_run "$OUT/profile/users.txt" "$DUR" MODE=random MAX_ID="$USERS" PATH_PREFIX=/users/ API_KEY="$ADMIN_KEY")
    timeout 60 "$JAVA_HOME/bin/jcmd" "$WEFT_PID" JFR.stop name=vs-anchors filename="$JFR_FILE" >>"$OUT/profile/jcmd.txt" 2>&1
    add_row 0 "weft (under JFR)" "/users/{id}" "$r" "$(rss_mb "$WEFT_PID")" profile
    # the cheapest route alone: what every request pays before any endpoint work
    log "profile: /health/live ${WARM}s warm-up, then ${DUR}s under JFR"
    LIVE_JFR="$OUT/profile/weft-live.jfr"
    wrk_run "$OUT/profile/live-warm.txt" "$WARM" MODE=fixed ROUTE=/health/live >/dev/null
    timeout 60 "$JAVA_HOME/bin/jcmd" "$WEFT_PID" JFR.start name=vs-anchors-live settings=profile \
      method-profiling=max >>"$OUT/profile/jcmd.txt" 2>&1
    r=$(wrk_run "$OUT/profile/live.txt" "$DUR" MODE=fixed ROUTE=/health/live)
    timeout 60 "$JAVA_HOME/bin/jcmd" "$WEFT_PID" JFR.stop name=vs-anchors-live filename="$LIVE_JFR" \
      >>"$OUT/profile/jcmd.txt" 2>&1
    add_row 0 "weft (under JFR)" "/health/live" "$r" "$(rss_mb "$WEFT_PID")" profile
    stop_weft; shrink_log "$OUT/profile/weft-server.log"
    for f in "$JFR_FILE:hot-paths" "$LIVE_JFR:hot-paths-live"; do
      jfr_file=${f%%:*}; name=${f##*:}
      [ -s "$jfr_file" ] || continue
      timeout 300 "$JAVA" -cp "$CP" dev.weft.bench.JfrHotPaths "$jfr_file" 30 >"$OUT/profile/$name.txt" 2>&1
      log "profile: $OUT/profile/$name.txt"
    done
    if [ -s "$JFR_FILE" ]; then
      timeout 120 "$JFR" view --width 160 hot-methods "$JFR_FILE" >"$OUT/profile/hot-methods.txt" 2>&1
      timeout 120 "$JFR" view --width 160 allocation-by-class "$JFR_FILE" >"$OUT/profile/allocation-by-class.txt" 2>&1
    fi
  fi
fi

# ---- 7. summary and plot --------------------------------------------------------------------------------------
quiet_check end
timeout 120 "$JAVA" -cp "$CP" dev.weft.bench.VsAnchorsReport "$OUT" >"$OUT/summary.md" 2>"$OUT/report.log" \
  || { log "report failed: see $OUT/report.log"; cat "$OUT/report.log" >&2; }
if [ "$PLOT" = 1 ] && [ -s "$OUT/plot.dat" ]; then
  timeout 60 gnuplot -e "datafile='$OUT/plot.dat'; outfile='$OUT/plot.png'; title='weft vs anchors, $STAMP UTC ($(nproc) CPUs, server pinned to 1)'" \
    "$ROOT/weft-bench/wrk/vs-anchors.gp" >>"$OUT/log.txt" 2>&1 || log "gnuplot failed"
fi
cat "$OUT/summary.md"
log "results: $OUT"
