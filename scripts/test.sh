#!/usr/bin/env bash
# Runs Scribe's whole test suite and says plainly which tests were skipped
# for want of a real part (PostgreSQL, flite, pocketsphinx, sox, libopus,
# Chromium). With SCRIBE_REQUIRE_ALL=1 (as in CI) a missing part fails
# instead of skipping.
set -uo pipefail
cd "$(dirname "$0")/.."
tags=""
if pkg-config --exists opus 2>/dev/null; then
  tags="-tags nolibopusfile" # libopus is present: build the tests that encode with it
else
  echo "note: libopus (apt-get install libopus-dev pkg-config) is missing: Opus encoding tests are not built" >&2
  if [ "${SCRIBE_REQUIRE_ALL:-}" = "1" ]; then echo "SCRIBE_REQUIRE_ALL=1 but libopus is missing" >&2; exit 1; fi
fi
race=""
[ "${SCRIBE_TEST_RACE:-0}" = "1" ] && race="-race"
log=$(mktemp /tmp/scribe-test.XXXXXX)
# The call relay's real-time tests (capture: Pion peers pacing audio in real
# time, then comparing what was recorded with what was sent) run on their
# own after the rest: on a 2-core machine, other packages' tests running
# beside them starve the pacing goroutines and the recordings drift.
realtime="./capture"
status=0
if [ -n "${PKGS:-}" ]; then
  # shellcheck disable=SC2086
  go test $tags $race -count=1 -timeout 45m -v "$@" $PKGS >"$log" 2>&1 || status=$?
else
  # shellcheck disable=SC2086
  rest=$(go list $tags ./... | grep -v -x "github.com/scribe-health/scribe/capture")
  # shellcheck disable=SC2086
  go test $tags $race -count=1 -timeout 45m -v "$@" $rest >"$log" 2>&1 || status=$?
  # shellcheck disable=SC2086
  go test $tags $race -count=1 -timeout 20m -v "$@" $realtime >>"$log" 2>&1 || status=$?
fi
grep -E '^(ok|FAIL|---|\s+--- FAIL|panic:)|^\s+\S+_test\.go:[0-9]+:' "$log" | grep -v -- '--- PASS\|--- SKIP' | grep -v '^\s*$' | head -400
skips=$(grep -E 'SKIP \(missing part\)' "$log" | sed -E 's/^.*SKIP \(missing part\): //' | sort | uniq -c)
if [ -n "$skips" ]; then
  echo
  echo "Skipped for want of a real part (install it to run them; .ci/run installs all):"
  echo "$skips"
fi
passed=$(grep -cE '^\s*--- PASS' "$log")
failed=$(grep -cE '^\s*--- FAIL' "$log")
skipped=$(grep -cE '^\s*--- SKIP' "$log")
echo
echo "full log: $log"
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
