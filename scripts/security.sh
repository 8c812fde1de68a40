#!/usr/bin/env bash
# Static security checks (see SECURITY.md, "Static checks"):
#   gosec        every finding fixed or justified inline (#nosec Gxxx -- why);
#                the rules and directories left out are listed, with the
#                reason, in SECURITY.md.
#   govulncheck  known vulnerabilities in the code paths Scribe calls, in its
#                modules and in the standard library of the toolchain go.mod
#                names. Its database is vuln.go.dev; where that is not
#                reachable it is built from golang.org/x/vulndb through the
#                module proxy; where neither is, the check says so and is
#                skipped (it does not fail for want of a network).
# Both tools run through the module proxy at pinned versions (nothing to
# install). Exit status: non-zero when either tool reports a finding.
set -uo pipefail
cd "$(dirname "$0")/.."
GOSEC_VERSION=${GOSEC_VERSION:-v2.30.0}
GOVULNCHECK_VERSION=${GOVULNCHECK_VERSION:-v1.10.0}
status=0

# Test-only helper packages that gosec is told to skip; they must never be
# linked into the scribe binary.
test_only="internal/testenv capture/capturetest internal/fakeopenai internal/store/storetest internal/soak redaction/testdata/gen"

echo "== gosec $GOSEC_VERSION"
excludes="-exclude-dir=third_party"
for d in $test_only; do excludes="$excludes -exclude-dir=$d"; done
# shellcheck disable=SC2086
if ! go run "github.com/securego/gosec/v2/cmd/gosec@$GOSEC_VERSION" -quiet -color=false -fmt text -tags nolibopusfile \
  $excludes -exclude=G104,G115 ./...; then
  echo "gosec failed: fix each finding above or justify it inline with // #nosec Gxxx -- reason (or gosec could not run: see its message)"
  status=1
fi
linked=$(go list -deps ./cmd/scribe | grep -E "/($(echo "$test_only" | tr ' ' '|'))$" || true)
if [ -n "$linked" ]; then
  echo "gosec: test-only packages are linked into the scribe binary, yet gosec skips them: $linked"
  status=1
fi

echo "== govulncheck $GOVULNCHECK_VERSION"
db=""
why="is not reachable from here"
command -v curl >/dev/null || why="was not tried (no curl)"
if command -v curl >/dev/null && curl -fsS -m 15 -o /dev/null https://vuln.go.dev/index/db.json.gz 2>/dev/null; then
  echo "vulnerability database: https://vuln.go.dev"
else
  # golang.org/x/vulndb holds the same reports as OSV files; indexdb (its
  # own tool) turns them into the database layout govulncheck reads.
  ver="" when=""
  read -r ver when < <(go list -m -f '{{.Version}} {{.Time.Format "2006-01-02"}}' golang.org/x/vulndb@latest 2>/dev/null || true)
  dir=$([ -n "$ver" ] && go mod download -json "golang.org/x/vulndb@$ver" 2>/dev/null | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  if [ -n "$dir" ] && [ -d "$dir/data/osv" ]; then
    built=$(mktemp -d /tmp/scribe-vulndb.XXXXXX)
    trap 'rm -rf "$built"' EXIT
    if go run "golang.org/x/vulndb/cmd/indexdb@$ver" -vulns "$dir/data/osv" -out "$built" >/dev/null 2>&1; then
      db=$built
      echo "vulnerability database: vuln.go.dev $why; built from golang.org/x/vulndb"
      echo "  $ver (module proxy), as of $when: reports published after that are not in it"
    fi
  fi
  if [ -z "$db" ]; then
    echo "govulncheck SKIPPED: vuln.go.dev $why, and golang.org/x/vulndb could not be had from the module proxy"
    exit $status
  fi
fi
# The standard library checked is the one of the toolchain go.mod names
# (GOTOOLCHAIN=auto fetches it through the module proxy): the one releases
# are built with (make build). Tests may run on an older local Go.
echo "standard library: $(GOTOOLCHAIN=auto go env GOVERSION) (go.mod toolchain; local go is $(GOTOOLCHAIN=local go env GOVERSION))"
# shellcheck disable=SC2086
if ! GOTOOLCHAIN=auto go run "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION" -tags nolibopusfile ${db:+-db "file://$db"} ./...; then
  echo "govulncheck: vulnerabilities above are reachable from Scribe's code; upgrade the module (or the toolchain line in go.mod)"
  status=1
fi
exit $status
