#!/usr/bin/env bash
# Builds and tests custodia's Java bindings: the release library (cargo rebuilds only if stale), javac against the
# Debian jars, the JUnit 5 console launcher, then the example. Idempotent; everything it writes is under build/.
# Needs: Debian packages libjna-java and junit5, OpenJDK 17 (javac), cargo.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

JNA_JAR=${JNA_JAR:-/usr/share/java/jna.jar}
JUNIT_JAR=${JUNIT_JAR:-/usr/share/java/junit-platform-console-standalone.jar}
for jar in "$JNA_JAR" "$JUNIT_JAR"; do
  [ -f "$jar" ] || { echo "missing $jar: apt-get install libjna-java junit5" >&2; exit 1; }
done
command -v javac >/dev/null || { echo "javac missing: apt-get install openjdk-17-jdk-headless" >&2; exit 1; }

printf '== cargo build --release\n'
(cd "$root" && cargo build --release --quiet)
export CUSTODIA_LIB="$root/target/release/libcustodia.so"

build="$here/build"
rm -rf "$build/classes" "$build/test-classes" "$build/example-classes" "$build/bench-classes"
mkdir -p "$build"

printf '== javac\n'
javac -Xlint:all -Werror -d "$build/classes" -cp "$JNA_JAR" $(find "$here/src" -name '*.java' | sort)
javac -Xlint:all,-try -d "$build/test-classes" -cp "$build/classes:$JNA_JAR:$JUNIT_JAR" \
  $(find "$here/test" -name '*.java' | sort)
javac -Xlint:all -Werror -d "$build/example-classes" -cp "$build/classes:$JNA_JAR" "$here"/examples/*.java
javac -Xlint:all -Werror -d "$build/bench-classes" -cp "$build/classes:$JNA_JAR" "$here"/bench/*.java

printf '== JUnit\n'
java -Dcustodia.header="$root/include/custodia.h" \
  -cp "$build/classes:$build/test-classes:$JNA_JAR:$JUNIT_JAR" org.junit.platform.console.ConsoleLauncher \
  --scan-class-path "$build/test-classes" \
  --disable-banner --disable-ansi-colors --details=tree --fail-if-no-tests

printf '== example MlaExchange\n'
java -cp "$build/classes:$build/example-classes:$JNA_JAR" MlaExchange
echo "java bindings: all tests passed"
