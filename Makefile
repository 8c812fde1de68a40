# Scribe — build, run and test. See README.md.
GO      ?= go
BIN     ?= bin/scribe
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: build run test vet bench soak clean

build:
	CGO_ENABLED=0 $(GO) build -ldflags "-X github.com/scribe-health/scribe/internal/version.Version=$(VERSION)" -o $(BIN) ./cmd/scribe

# Runs Scribe with the embedded SQLite database in ./scribe-data.
run:
	$(GO) run ./cmd/scribe serve

# The whole test suite; prints which tests were skipped for a missing part.
test:
	./scripts/test.sh

vet:
	$(GO) vet -tags nolibopusfile ./...

# Benchmarks for the figures the issues name (see README.md).
bench:
	$(GO) test -tags nolibopusfile -run '^$$' -bench . -benchtime 3x ./... | tee bench.txt

# The fault-injection soak (docs/reliability.md): kill -9 of scribe serve at
# random moments, 50 trials on SQLite, 50 on PostgreSQL, 20 with two processes.
# Needs SCRIBE_TEST_DATABASE_URL; SOAK_ARGS="--quick" for a smoke run.
soak:
	./scripts/soak $(SOAK_ARGS)

clean:
	rm -rf bin bench.txt
