# Scribe — build, run and test. See README.md.
GO      ?= go
BIN     ?= bin/scribe
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: build run test vet bench soak clean

# Releases are built with the toolchain go.mod names (it carries the security
# fixes govulncheck checks for); GOTOOLCHAIN=auto fetches it once through the
# module proxy. GOTOOLCHAIN=local make build uses the installed Go instead.
GOTOOLCHAIN ?= auto

build:
	GOTOOLCHAIN=$(GOTOOLCHAIN) CGO_ENABLED=0 $(GO) build -ldflags "-X github.com/scribe-health/scribe/internal/version.Version=$(VERSION)" -o $(BIN) ./cmd/scribe

# Runs Scribe with the embedded SQLite database in ./scribe-data.
run:
	$(GO) run ./cmd/scribe serve

# The whole test suite; prints which tests were skipped for a missing part.
test:
	./scripts/test.sh

vet:
	$(GO) vet -tags nolibopusfile ./...

# Every fuzz target for FUZZTIME each, one after another (CI: 10s each).
# FUZZTIME=10m make fuzz; scripts/fuzz.sh FuzzRedact runs one. See SECURITY.md.
.PHONY: fuzz sec
FUZZTIME ?= 2m
fuzz:
	FUZZTIME=$(FUZZTIME) ./scripts/fuzz.sh

# gosec and govulncheck, as CI runs them. See SECURITY.md.
sec:
	./scripts/security.sh

# Every benchmark at Go's default benchtime (1s per benchmark), BENCHCOUNT
# runs each, into bench.txt in the format benchstat reads (log output goes
# to bench.log, so it cannot split a result line):
#   make bench && mv bench.txt old.txt; (change something); make bench
#   benchstat old.txt bench.txt
# BENCH=Forward BENCHPKGS=./capture narrows it. docs/benchmarks.md lists
# the figures and the command behind each.
BENCH      ?= .
BENCHPKGS  ?= ./...
BENCHCOUNT ?= 6
bench:
	GO=$(GO) BENCH='$(BENCH)' BENCHPKGS='$(BENCHPKGS)' BENCHCOUNT=$(BENCHCOUNT) ./scripts/bench.sh

# The fault-injection soak (docs/reliability.md): kill -9 of scribe serve at
# random moments, 50 trials on SQLite, 50 on PostgreSQL, 20 with two processes.
# Needs SCRIBE_TEST_DATABASE_URL; SOAK_ARGS="--quick" for a smoke run.
soak:
	./scripts/soak $(SOAK_ARGS)

# Note quality on the SYNTHETIC gold set with every drafting provider this
# installation has configured (nightly-style; calls real models, so not in
# make test). EVAL_ARGS="--provider a --judge b --runs 3" narrows it;
# reports go to $(EVAL_OUT).json/.html/.txt. See docs/quality.md.
.PHONY: eval
EVAL_OUT ?= eval-report
eval:
	EVAL_OUT='$(EVAL_OUT)' EVAL_ARGS='$(EVAL_ARGS)' ./scripts/eval.sh

clean:
	rm -rf bin bench.txt bench.log eval-report.json eval-report.html eval-report.txt
