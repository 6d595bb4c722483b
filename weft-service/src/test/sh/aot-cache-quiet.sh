#!/usr/bin/env bash
# bin/weft's AOT cache, as a user meets it after a build (issue 23, item 3): a tool run records nothing, only serve
# records (and its JVM trims its native heap), nothing of the JDK's shows on stdout or stderr at any step (the servers' own JSON log lines aside), the
# next run builds the cache quietly, and a damaged cache is ignored without a word. Needs a built weft.jar newer
# than the sources (bin/test builds it; this script never builds, so it never installs anything). It deletes
# target/weft.aot (the next serve records it again). About a minute.
# Usage: weft-service/src/test/sh/aot-cache-quiet.sh   (exit 0 when every check passes)
set -euo pipefail
root="$(cd "$(dirname "$0")/../../../.." && pwd)"
target="$root/weft-service/target"
jar="$target/weft.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$root"/pom.xml "$root"/weft-*/pom.xml "$root"/weft-*/src -newer "$jar" -type f -print -quit)" ]; then
  echo "aot-cache-quiet: weft.jar is missing or older than the sources: run bin/test (or ./mvnw package) first" >&2
  exit 1
fi
work="$(mktemp -d)"
serve_pid=""
cleanup() { [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
passed=0
failed=0
check() { # name, command...
  if "${@:2}"; then passed=$((passed + 1)); else echo "aot-cache-quiet: FAILED: $1" >&2; failed=$((failed + 1)); fi
}
# stdout holds only the status table; stderr holds nothing but weft's own lines (on a fresh data directory: that
# the database does not exist yet)
quiet_status() {
  ! grep -v -E '^[0-9]+ +[a-z_]+ +[A-Z]+' "$work/out" && ! grep -v '^weft: ' "$work/err"
}
status() {
  "$root/bin/weft" migrate status --data-dir "$work/data" >"$work/out" 2>"$work/err" || true
}
rm -f "$target"/weft.aot "$target"/weft.aot.config.* "$target"/weft.aot.*.tmp

status
check "a tool run records no cache" bash -c "! ls '$target'/weft.aot.config.* >/dev/null 2>&1"
check "a tool run prints nothing of the JDK's" quiet_status

"$root/bin/weft" serve --port 0 --data-dir "$work/data" >"$work/serve.out" 2>"$work/serve.err" &
serve_pid=$!
for _ in $(seq 1 240); do grep -q listening "$work/serve.out" && break; sleep 0.5; done
# bin/weft execs the JVM, so its pid is the JVM's: glibc's freed memory goes back to the system (docs/ARCHITECTURE.md)
check "serve's JVM runs the native heap trimmer" bash -c \
  "tr '\\0' '\\n' </proc/$serve_pid/cmdline | grep -qx -- -XX:TrimNativeHeapInterval=10000"
kill -TERM "$serve_pid"
wait "$serve_pid" || true
serve_pid=""
check "serve records when it stops" bash -c "ls '$target'/weft.aot.config.* >/dev/null 2>&1"
check "serve prints only its own lines" bash -c "! grep -v '^weft: ' '$work/serve.out' && ! grep -v '^{' '$work/serve.err'"

status
check "the run after serve prints nothing while the cache builds" quiet_status
for _ in $(seq 1 360); do [ -f "$target/weft.aot" ] && ! ls "$target"/weft.aot.config.* >/dev/null 2>&1 && break; sleep 0.5; done
check "the cache was built" test -f "$target/weft.aot"

status
check "a run from the cache prints nothing of the JDK's" quiet_status

head -c 65536 /dev/urandom >"$target/weft.aot"
status
check "a damaged cache is ignored quietly" quiet_status
rm -f "$target/weft.aot"

# not in the "N passed, N failed" form: CI reads that form as the test runner's closing line, which is Surefire's
if [ "$failed" -eq 0 ]; then
  echo "aot-cache-quiet: all $passed checks hold"
else
  echo "aot-cache-quiet: $failed of $((passed + failed)) checks fail" >&2
  exit 1
fi
