#!/usr/bin/env bash
# Builds and tests custodia's Java bindings: the release library (cargo rebuilds only if stale), javac against the
# Debian jars, the JUnit 5 console launcher, then the example and the module check on the module path (module
# org.custodia, src/module-info.java; Debian's JNA is the automatic module com.sun.jna). Idempotent; everything it
# writes is under build/.
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
rm -rf "$build/classes" "$build/test-classes" "$build/example-classes" "$build/bench-classes" \
  "$build/module-check-classes" "$build/not-exported-classes"
mkdir -p "$build"

printf '== javac\n'
# The binding is the module org.custodia: it exports org.custodia only (raw and handles are implementation).
modpath="$build/classes:$JNA_JAR"
javac -Xlint:all -Werror -d "$build/classes" --module-path "$JNA_JAR" $(find "$here/src" -name '*.java' | sort)
# The JUnit tests are white-box (they live in org.custodia and org.custodia.raw): they run on the class path, where
# the module descriptor does not apply.
javac -Xlint:all,-try -d "$build/test-classes" -cp "$build/classes:$JNA_JAR:$JUNIT_JAR" \
  $(find "$here/test" -name '*.java' | sort)
javac -Xlint:all -Werror -d "$build/example-classes" --module-path "$modpath" --add-modules org.custodia \
  "$here"/examples/*.java
javac -Xlint:all -Werror -d "$build/bench-classes" --module-path "$modpath" --add-modules org.custodia \
  "$here"/bench/*.java
javac -Xlint:all -Werror -d "$build/module-check-classes" --module-path "$modpath" --add-modules org.custodia \
  "$here"/module-check/*.java
printf '== org.custodia.raw is not visible outside the module
'
if javac -d "$build/not-exported-classes" --module-path "$modpath" --add-modules org.custodia \
  "$here"/module-check/not-exported/*.java >"$build/not-exported.log" 2>&1; then
  echo "module-check/not-exported compiled: org.custodia.raw is visible outside the module" >&2
  exit 1
fi
grep -q 'does not export' "$build/not-exported.log" || { cat "$build/not-exported.log" >&2; exit 1; }

printf '== JUnit\n'
java -Dcustodia.header="$root/include/custodia.h" \
  -cp "$build/classes:$build/test-classes:$JNA_JAR:$JUNIT_JAR" org.junit.platform.console.ConsoleLauncher \
  --scan-class-path "$build/test-classes" \
  --disable-banner --disable-ansi-colors --details=tree --fail-if-no-tests

printf '== example MlaExchange (module path)\n'
java --module-path "$modpath" --add-modules org.custodia -cp "$build/example-classes" MlaExchange
printf '== module check (module path)\n'
java --module-path "$modpath" --add-modules org.custodia -cp "$build/module-check-classes" ModulePathCheck
echo "java bindings: all tests passed"
