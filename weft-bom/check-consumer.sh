#!/usr/bin/env bash
# Checks that weft-bom works for a user's own build, as the README shows it: installs weft-bom and the library
# modules into a throw-away local repository (Maven 3.9's maven.repo.local.tail reads everything else from
# ~/.m2 without writing there), then compiles and runs src/it/consumer (weft-db without a version) offline.
# Takes 3-5 minutes (the modules are compiled again); not part of bin/test, weft-dist's BomTest checks the content.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
JAVA_HOME="$("$root/bin/jdk25")"
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
repo="$(mktemp -d)"
trap 'rm -rf "$repo"' EXIT
repos=(-Dmaven.repo.local="$repo" -Dmaven.repo.local.tail="$HOME/.m2/repository")
cd "$root"
./mvnw -B -q -ntp -o "${repos[@]}" -DskipTests -pl weft-bom,weft-core,weft-cache,weft-cache-redis,weft-db,weft-http -am install
cd "$root/weft-bom/src/it/consumer"
"$root/mvnw" -B -q -ntp -o "${repos[@]}" compile dependency:build-classpath -Dmdep.outputFile="$repo/classpath"
java --enable-native-access=ALL-UNNAMED -cp "target/classes:$(cat "$repo/classpath")" example.Main
rm -rf target
