#!/usr/bin/env bash
# Runs every native Go fuzz target of Scribe (each func FuzzX(f *testing.F)
# in a _test.go file outside third_party), one after another, for FUZZTIME
# each (default 2m; CI uses 10s). `go test` alone already runs each target's
# seed corpus (f.Add and testdata/fuzz/FuzzX) as a normal test; this finds
# new inputs. A failing input is written to the package's
# testdata/fuzz/FuzzX/; commit it with the fix, as a regression seed.
#
#   FUZZTIME=30s scripts/fuzz.sh            every target
#   FUZZTIME=5m scripts/fuzz.sh FuzzRedact  the named targets only
#
# FUZZPARALLEL sets the number of fuzzing processes (default: GOMAXPROCS).
set -uo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-2m}
tags=""
if pkg-config --exists opus 2>/dev/null; then
  tags="-tags nolibopusfile" # as scripts/test.sh: build the tests that use libopus
fi
parallel=""
[ -n "${FUZZPARALLEL:-}" ] && parallel="-parallel ${FUZZPARALLEL}"

# "dir name" per target, found in the sources so that a new target is run
# without being listed here.
targets=$(grep -rEo --include='*_test.go' --exclude-dir=third_party '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' . |
  sed -E 's#^\./(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*).*#\1 \2#' | sort -u)
if [ $# -gt 0 ]; then
  want=" $* "
  targets=$(while read -r dir name; do [[ $want == *" $name "* ]] && echo "$dir $name"; done <<<"$targets")
fi
if [ -z "$targets" ]; then
  echo "no fuzz targets match: $*" >&2
  exit 2
fi

failed=()
while read -r dir name; do
  echo "== $name (./$dir) for $fuzztime"
  start=$(date +%s)
  # A worker that finds nothing prints a progress line every 3 s: keep the
  # last one (executions, new interesting inputs) and everything else.
  # shellcheck disable=SC2086
  go test $tags -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -fuzzminimizetime 10s $parallel "./$dir" 2>&1 |
    awk '/^fuzz: elapsed/ { last = $0; next } { print } END { if (last != "") print last }'
  status=${PIPESTATUS[0]}
  echo "   $name: exit status $status after $(($(date +%s) - start)) s (build included)"
  [ "$status" -ne 0 ] && failed+=("$name")
done <<<"$targets"

if [ ${#failed[@]} -gt 0 ]; then
  echo
  echo "fuzzing found failures in: ${failed[*]}"
  echo "the failing inputs are in the packages' testdata/fuzz/<target>/ (shown above); rerun one with"
  echo "  go test $tags -run '<target>/<file>' ./<package>"
  exit 1
fi
echo "every fuzz target ran for $fuzztime without a failure"
