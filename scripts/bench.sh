#!/usr/bin/env bash
# Runs the benchmarks into bench.txt, in the form benchstat reads, and
# their log output into bench.log.
#
# `go test` merges a test binary's stderr into its stdout, so log lines
# (slog writes to stderr) land in the middle of benchmark result lines and
# benchstat cannot parse them. Here each package's test binary is built
# and run by itself, in its package directory as `go test` would, with
# stderr kept apart.
#
#   BENCH=regexp BENCHPKGS="./capture ./redaction" BENCHCOUNT=6 scripts/bench.sh
#   benchstat old.txt bench.txt
set -euo pipefail
GO=${GO:-go}
BENCH=${BENCH:-.}
BENCHPKGS=${BENCHPKGS:-./...}
BENCHCOUNT=${BENCHCOUNT:-6}
# The hang-up benchmark with model latency takes minutes per run (issue
# 18); it runs when BENCH names it, not in the default run of everything.
if [ "$BENCH" = "." ]; then BENCHSKIP=${BENCHSKIP:-ModelLatency}; else BENCHSKIP=${BENCHSKIP:-}; fi
TAGS=${TAGS:-nolibopusfile}
out="$PWD/bench.txt"
log="$PWD/bench.log"
: >"$out"
: >"$log"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086 # BENCHPKGS is a list of patterns
$GO list -tags "$TAGS" -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}} {{.Dir}}{{end}}' $BENCHPKGS |
	while read -r pkg dir; do
		[ -n "$pkg" ] || continue
		bin="$tmp/${pkg//\//_}.test"
		$GO test -tags "$TAGS" -c -o "$bin" "$pkg"
		(cd "$dir" && "$bin" -test.run '^$' -test.bench "$BENCH" ${BENCHSKIP:+-test.skip "$BENCHSKIP"} -test.count "$BENCHCOUNT" -test.benchmem 2>>"$log") |
			grep -v '^PASS$' | tee -a "$out" || { echo "benchmarks of $pkg failed; see $log" >&2; exit 1; }
	done
