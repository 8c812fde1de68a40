#!/usr/bin/env bash
# The nightly-style note-quality run (make eval): every drafting provider
# configured in this installation (the usual settings: SCRIBE_DATA_DIR,
# DATABASE_URL, --config) drafts the SYNTHETIC gold set once, and the
# report is written to $EVAL_OUT.json, .html and .txt. Not part of
# make test: it calls real models, costs tokens and takes minutes.
# EVAL_ARGS replaces the default --all, e.g.
#   EVAL_ARGS="--provider a --provider b --judge c --runs 3" make eval
set -euo pipefail
cd "$(dirname "$0")/.."
out="${EVAL_OUT:-eval-report}"
args="${EVAL_ARGS:---all}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/scribe" ./cmd/scribe
# shellcheck disable=SC2086
"$tmp/scribe" eval $args --format json --out "$out.json"
"$tmp/scribe" eval --from "$out.json" --format html --out "$out.html" >/dev/null
"$tmp/scribe" eval --from "$out.json" --format text --out "$out.txt" >/dev/null
cat "$out.txt"
echo "reports: $out.json $out.html $out.txt"
